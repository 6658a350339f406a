package config

import (
	"io"
	"testing"
)

func TestParseServe(t *testing.T) {
	t.Parallel()
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

func TestWorkerSwitches(t *testing.T) {
	cases := []struct {
		name       string
		env        map[string]string
		args       []string
		wantWorker bool
		wantN      int
		wantErr    bool
	}{
		{name: "serve runs workers by default", wantWorker: true, wantN: 4},
		{name: "--no-worker", args: []string{"--no-worker"}, wantN: 4},
		{name: "NEVCRM_WORKER=off", env: map[string]string{"NEVCRM_WORKER": "off"}, wantN: 4},
		{name: "flag overrides env", env: map[string]string{"NEVCRM_WORKER": "off"}, args: []string{"--no-worker=false"}, wantWorker: true, wantN: 4},
		{name: "NEVCRM_WORKER=on", env: map[string]string{"NEVCRM_WORKER": "on"}, wantWorker: true, wantN: 4},
		{name: "bad NEVCRM_WORKER", env: map[string]string{"NEVCRM_WORKER": "maybe"}, wantErr: true},
		{name: "job workers from env", env: map[string]string{"NEVCRM_JOB_WORKERS": "2"}, wantWorker: true, wantN: 2},
		{name: "job workers flag", args: []string{"--job-workers", "8"}, wantWorker: true, wantN: 8},
		{name: "zero job workers", args: []string{"--job-workers", "0"}, wantErr: true},
		{name: "job workers env not a number", env: map[string]string{"NEVCRM_JOB_WORKERS": "abc"}, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseServe(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("accepted: %+v", c)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Worker != tc.wantWorker || c.JobWorkers != tc.wantN {
				t.Fatalf("worker %v, job workers %d; want %v, %d", c.Worker, c.JobWorkers, tc.wantWorker, tc.wantN)
			}
		})
	}
}

func TestParseWorker(t *testing.T) {
	getenv := func(k string) string {
		return map[string]string{"NEVCRM_DB": "postgres://x/y", "NEVCRM_WORKER": "off"}[k]
	}
	c, err := ParseWorker([]string{"--job-workers", "3"}, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Worker || c.Migrate || c.Demo || c.DB != "postgres://x/y" || c.JobWorkers != 3 {
		t.Fatalf("worker config = %+v", c)
	}
	for _, bad := range [][]string{{"--db", ""}, {"--addr", "x"}, {"--job-workers", "100"}, {"extra"}} {
		if _, err := ParseWorker(bad, getenv, io.Discard); err == nil {
			t.Errorf("ParseWorker(%v) accepted bad input", bad)
		}
	}
}
