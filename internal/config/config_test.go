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
	for _, bad := range [][]string{{"--addr", "nonsense"}, {"--db", " "}, {"--log-format", "xml"}, {"extra"}} {
		if _, err := ParseServe(bad, getenv, io.Discard); err == nil {
			t.Errorf("ParseServe(%v) accepted bad input", bad)
		}
	}
}
