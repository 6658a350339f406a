// Package config reads the serve command's settings from flags and NEVCRM_*
// environment variables, validated once and passed explicitly.
package config

import (
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Config is the server's configuration.
type Config struct {
	Addr       string // listen address
	DB         string // SQLite file path or postgres:// URL
	Demo       bool   // load demo data and accounts
	Migrate    bool   // apply pending migrations at start
	TrustProxy bool   // trust X-Forwarded-For / X-Forwarded-Proto from a load balancer
	LogFormat  string // "text" or "json"
	// MetricsAddr is the listen address of the Prometheus /metrics endpoint
	// alone (e.g. 127.0.0.1:9090); empty: no separate metrics listener.
	MetricsAddr string
	// MetricsToken, when set, is the bearer token /metrics requires: on the
	// metrics listener, and on the main listener, which serves /metrics only
	// when a token is set. From the environment only (NEVCRM_METRICS_TOKEN):
	// a flag would show in the process list.
	MetricsToken string
	// Worker runs background jobs in this process: serve's default (off with
	// --no-worker or NEVCRM_WORKER=off, when `nevcrm worker` processes do
	// the work); always on for `nevcrm worker`.
	Worker bool
	// JobWorkers is how many jobs one process runs at once (default 4).
	JobWorkers int
	// ExportThreshold is the number of rows above which an export runs as a
	// background job instead of streaming in the request; 0 means
	// listing.BackgroundThreshold. Set by tests, not by a flag.
	ExportThreshold int
	// LLMURL, LLMModel and LLMKey configure the optional OpenAI-compatible
	// model that phrases the assistant's answers (NEVCRM_LLM_URL,
	// NEVCRM_LLM_MODEL, NEVCRM_LLM_KEY; environment only, see package llm).
	// Empty URL: the assistant runs offline.
	LLMURL, LLMModel, LLMKey string
	// Now is the clock of the services; nil means time.Now. Not a flag:
	// end-to-end tests set it to move time forward.
	Now func() time.Time
}

// DefaultDB returns the database named by NEVCRM_DB, else "nevcrm.db".
func DefaultDB(getenv func(string) string) string {
	if v := getenv("NEVCRM_DB"); v != "" {
		return v
	}
	return "nevcrm.db"
}

// ParseServe parses the serve command's flags; environment variables give the
// defaults (NEVCRM_ADDR, NEVCRM_DB, NEVCRM_TRUST_PROXY, NEVCRM_LOG_FORMAT,
// NEVCRM_METRICS_ADDR, NEVCRM_WORKER, NEVCRM_JOB_WORKERS). NEVCRM_METRICS_TOKEN
// is read from the environment only.
func ParseServe(args []string, getenv func(string) string, stderr io.Writer) (*Config, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &Config{}
	fs.StringVar(&c.Addr, "addr", envOr(getenv, "NEVCRM_ADDR", "127.0.0.1:8080"), "listen address")
	fs.StringVar(&c.DB, "db", DefaultDB(getenv), "SQLite file path or postgres:// URL (env NEVCRM_DB)")
	fs.BoolVar(&c.Demo, "demo", false, "load the demo dataset and the demo accounts (password nevcrm-demo)")
	fs.BoolVar(&c.Migrate, "migrate", true, "apply pending migrations at start; with -migrate=false the server only checks the schema")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", getenv("NEVCRM_TRUST_PROXY") == "1" || getenv("NEVCRM_TRUST_PROXY") == "true",
		"trust X-Forwarded-For and X-Forwarded-Proto (behind a load balancer)")
	fs.StringVar(&c.LogFormat, "log-format", envOr(getenv, "NEVCRM_LOG_FORMAT", "text"), "log format: text or json")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", getenv("NEVCRM_METRICS_ADDR"),
		"listen address of the Prometheus /metrics endpoint alone, e.g. 127.0.0.1:9090; empty: none (env NEVCRM_METRICS_ADDR)")
	c.MetricsToken = getenv("NEVCRM_METRICS_TOKEN")
	c.LLMURL, c.LLMModel, c.LLMKey = getenv("NEVCRM_LLM_URL"), getenv("NEVCRM_LLM_MODEL"), getenv("NEVCRM_LLM_KEY")
	worker, err := onOff(getenv, "NEVCRM_WORKER", true)
	if err != nil {
		return nil, err
	}
	noWorker := fs.Bool("no-worker", !worker, "do not run background jobs in this process (run `nevcrm worker` instead; env NEVCRM_WORKER=off)")
	if err := jobWorkersFlag(fs, c, getenv); err != nil {
		return nil, err
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	c.Worker = !*noWorker
	return c, c.validate()
}

// ParseWorker parses the worker command's flags (--db, --job-workers,
// --log-format, with the same environment defaults as serve). The worker
// runs background jobs only; it never migrates the schema.
func ParseWorker(args []string, getenv func(string) string, stderr io.Writer) (*Config, error) {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &Config{Addr: "127.0.0.1:0", Worker: true}
	fs.StringVar(&c.DB, "db", DefaultDB(getenv), "SQLite file path or postgres:// URL (env NEVCRM_DB)")
	fs.StringVar(&c.LogFormat, "log-format", envOr(getenv, "NEVCRM_LOG_FORMAT", "text"), "log format: text or json")
	if err := jobWorkersFlag(fs, c, getenv); err != nil {
		return nil, err
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return c, c.validate()
}

// jobWorkersFlag defines --job-workers (env NEVCRM_JOB_WORKERS, default 4).
func jobWorkersFlag(fs *flag.FlagSet, c *Config, getenv func(string) string) error {
	def := 4
	if v := getenv("NEVCRM_JOB_WORKERS"); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("NEVCRM_JOB_WORKERS=%q: want a number from 1 to 64", v)
		}
		def = n
	}
	fs.IntVar(&c.JobWorkers, "job-workers", def, "background jobs run at once by this process (env NEVCRM_JOB_WORKERS)")
	return nil
}

// onOff reads a switch from the environment: on/off, true/false, 1/0, or
// unset for def.
func onOff(getenv func(string) string, key string, def bool) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(getenv(key))) {
	case "":
		return def, nil
	case "on", "true", "1", "yes":
		return true, nil
	case "off", "false", "0", "no":
		return false, nil
	}
	return def, fmt.Errorf("invalid %s=%q: want on or off", key, getenv(key))
}

func (c *Config) validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("invalid -addr %q: %v", c.Addr, err)
	}
	if strings.TrimSpace(c.DB) == "" {
		return fmt.Errorf("-db must not be empty")
	}
	if c.MetricsAddr != "" {
		_, port, err := net.SplitHostPort(c.MetricsAddr)
		if err != nil {
			return fmt.Errorf("invalid -metrics-addr %q: %v", c.MetricsAddr, err)
		}
		if c.MetricsAddr == c.Addr && port != "0" {
			return fmt.Errorf("-metrics-addr must differ from -addr (%s)", c.Addr)
		}
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < MinMetricsToken {
		return fmt.Errorf("NEVCRM_METRICS_TOKEN must have at least %d characters", MinMetricsToken)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("invalid -log-format %q: want text or json", c.LogFormat)
	}
	if c.JobWorkers < 1 || c.JobWorkers > 64 {
		return fmt.Errorf("invalid -job-workers %d: want 1 to 64", c.JobWorkers)
	}
	return nil
}

// MinMetricsToken is the shortest metrics token accepted.
const MinMetricsToken = 24

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}
