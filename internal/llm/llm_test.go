package llm_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/llm"
)

func TestFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if _, ok, err := llm.FromEnv(env(nil)); ok || err != nil {
		t.Fatalf("unset: %v %v", ok, err)
	}
	if _, _, err := llm.FromEnv(env(map[string]string{"NEVCRM_LLM_URL": "ftp://x"})); err == nil {
		t.Fatal("bad scheme accepted")
	}
	if _, _, err := llm.FromEnv(env(map[string]string{"NEVCRM_LLM_URL": "http://127.0.0.1:9/v1"})); err == nil {
		t.Fatal("missing model accepted")
	}
	c, ok, err := llm.FromEnv(env(map[string]string{"NEVCRM_LLM_URL": "http://127.0.0.1:9/v1/", "NEVCRM_LLM_MODEL": "m"}))
	if !ok || err != nil || c.URL != "http://127.0.0.1:9/v1" {
		t.Fatalf("%+v %v %v", c, ok, err)
	}
}

// TestCompleteAgainstFakeServer checks the request shape, the bearer key
// and that personal identifiers never reach the server.
func TestCompleteAgainstFakeServer(t *testing.T) {
	var got struct {
		Model    string        `json:"model"`
		Messages []llm.Message `json:"messages"`
	}
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		auth = r.Header.Get("Authorization")
		_ = json.NewDecoder(r.Body).Decode(&got)
		_, _ = w.Write([]byte(`{"choices":[{"message":{"role":"assistant","content":"  换电约 3~5 分钟。 "}}]}`))
	}))
	defer srv.Close()
	c := llm.New(llm.Config{URL: srv.URL + "/v1", Model: "test-model", Key: "k-123"})
	out, err := c.Complete(context.Background(), []llm.Message{{Role: "user", Content: "我是13812345678，车牌沪A12345，车架号LSJA24U69KS012345，换电多久？"}})
	if err != nil || out != "换电约 3~5 分钟。" {
		t.Fatalf("%q %v", out, err)
	}
	if got.Model != "test-model" || auth != "Bearer k-123" {
		t.Fatalf("model %q auth %q", got.Model, auth)
	}
	sent := got.Messages[0].Content
	for _, secret := range []string{"13812345678", "沪A12345", "LSJA24U69KS012345"} {
		if strings.Contains(sent, secret) {
			t.Fatalf("%s sent to the model: %q", secret, sent)
		}
	}
}

func TestCompleteErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer srv.Close()
	if _, err := llm.New(llm.Config{URL: srv.URL, Model: "m"}).Complete(context.Background(), []llm.Message{{Role: "user", Content: "x"}}); err == nil {
		t.Fatal("500 accepted")
	}
}
