package config

import (
	"io"
	"testing"
)

func TestParseServe(t *testing.T) {
	env := map[string]string{"NEVCRM_DB": "postgres://x/y", "NEVCRM_ADDR": "0.0.0.0:9000"}
	getenv := func(k string) string { return env[k] }
	c, err := ParseServe(nil, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != "postgres://x/y" || c.Addr != "0.0.0.0:9000" || !c.Migrate || c.Demo {
		t.Fatalf("env defaults not applied: %+v", c)
	}
	c, err = ParseServe([]string{"--db", "a.db", "--addr", "127.0.0.1:0", "--demo"}, getenv, io.Discard)
	if err != nil || c.DB != "a.db" || c.Addr != "127.0.0.1:0" || !c.Demo {
		t.Fatalf("flags not applied: %+v %v", c, err)
	}
	for _, bad := range [][]string{{"--addr", "nonsense"}, {"--db", " "}, {"--log-format", "xml"}, {"extra"},
		{"--metrics-addr", "9090"}, {"--addr", "127.0.0.1:9000", "--metrics-addr", "127.0.0.1:9000"}} {
		if _, err := ParseServe(bad, getenv, io.Discard); err == nil {
			t.Errorf("ParseServe(%v) accepted bad input", bad)
		}
	}
}

func TestParseServeMetrics(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	c, err := ParseServe(nil, getenv, io.Discard)
	if err != nil || c.MetricsAddr != "" || c.MetricsToken != "" {
		t.Fatalf("metrics must be off by default: %+v %v", c, err)
	}
	env["NEVCRM_METRICS_ADDR"] = "127.0.0.1:9090"
	env["NEVCRM_METRICS_TOKEN"] = "0123456789abcdef01234567"
	c, err = ParseServe(nil, getenv, io.Discard)
	if err != nil || c.MetricsAddr != "127.0.0.1:9090" || c.MetricsToken != env["NEVCRM_METRICS_TOKEN"] {
		t.Fatalf("env not applied: %+v %v", c, err)
	}
	c, err = ParseServe([]string{"--metrics-addr", "10.0.0.5:9100"}, getenv, io.Discard)
	if err != nil || c.MetricsAddr != "10.0.0.5:9100" {
		t.Fatalf("flag not applied: %+v %v", c, err)
	}
	env["NEVCRM_METRICS_TOKEN"] = "short"
	if _, err := ParseServe(nil, getenv, io.Discard); err == nil {
		t.Error("a short metrics token was accepted")
	}
}
