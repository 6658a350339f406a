// Package llm is an optional client of an OpenAI-compatible chat
// completions endpoint, used by the assistant to phrase its answers from
// the articles it found. It is off unless an operator sets NEVCRM_LLM_URL;
// the assistant works fully offline without it. What is sent is minimised:
// the question with mobile numbers, plates, VINs and ID numbers masked, the
// intent, the template answer and the articles' text; never the owner's
// name, contact details or vehicle identifiers.
package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Config names the endpoint. From the environment: NEVCRM_LLM_URL (the
// base URL, for example https://llm.example.com/v1; the client posts to
// {URL}/chat/completions), NEVCRM_LLM_MODEL and NEVCRM_LLM_KEY (sent as a
// bearer token; may be empty for a local server).
type Config struct {
	URL     string
	Model   string
	Key     string
	Timeout time.Duration // default 8 s
}

// FromEnv reads the configuration; ok is false when NEVCRM_LLM_URL is not
// set. A malformed URL or a missing model is an error.
func FromEnv(getenv func(string) string) (Config, bool, error) {
	c := Config{URL: strings.TrimRight(strings.TrimSpace(getenv("NEVCRM_LLM_URL")), "/"), Model: strings.TrimSpace(getenv("NEVCRM_LLM_MODEL")),
		Key: getenv("NEVCRM_LLM_KEY")}
	if c.URL == "" {
		return c, false, nil
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, false, fmt.Errorf("NEVCRM_LLM_URL=%q: want an http(s) URL such as https://llm.example.com/v1", c.URL)
	}
	if c.Model == "" {
		return c, false, errors.New("NEVCRM_LLM_MODEL must be set when NEVCRM_LLM_URL is")
	}
	return c, true, nil
}

// Client calls the endpoint.
type Client struct {
	cfg  Config
	http *http.Client
}

// New returns a client for c.
func New(c Config) *Client {
	if c.Timeout <= 0 {
		c.Timeout = 8 * time.Second
	}
	return &Client{cfg: c, http: &http.Client{Timeout: c.Timeout}}
}

var (
	reMobile = regexp.MustCompile(`1[3-9]\d{9}`)
	reIDCard = regexp.MustCompile(`\d{17}[\dXx]`)
	reVIN    = regexp.MustCompile(`(?i)\b[A-HJ-NPR-Z0-9]{17}\b`)
	rePlate  = regexp.MustCompile(`[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][A-Z0-9]{5,6}`)
	reEmail  = regexp.MustCompile(`[\w.+-]+@[\w-]+\.[\w.]+`)
)

// Redact masks personal identifiers in s before it leaves the server.
func Redact(s string) string {
	s = reIDCard.ReplaceAllString(s, "[证件号]")
	s = reVIN.ReplaceAllString(s, "[车架号]")
	s = reMobile.ReplaceAllString(s, "[手机号]")
	s = rePlate.ReplaceAllString(s, "[车牌]")
	return reEmail.ReplaceAllString(s, "[邮箱]")
}

// Message is one chat message.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type request struct {
	Model       string    `json:"model"`
	Messages    []Message `json:"messages"`
	Temperature float64   `json:"temperature"`
	MaxTokens   int       `json:"max_tokens"`
}

type response struct {
	Choices []struct {
		Message Message `json:"message"`
	} `json:"choices"`
}

// Complete sends messages and returns the model's answer. Every message is
// redacted first.
func (c *Client) Complete(ctx context.Context, msgs []Message) (string, error) {
	for i := range msgs {
		msgs[i].Content = Redact(msgs[i].Content)
	}
	body, err := json.Marshal(request{Model: c.cfg.Model, Messages: msgs, Temperature: 0.2, MaxTokens: 400})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.URL+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.cfg.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.Key)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("llm: status %d", res.StatusCode)
	}
	var out response
	if err := json.Unmarshal(raw, &out); err != nil {
		return "", fmt.Errorf("llm: %w", err)
	}
	if len(out.Choices) == 0 || strings.TrimSpace(out.Choices[0].Message.Content) == "" {
		return "", errors.New("llm: empty answer")
	}
	return strings.TrimSpace(out.Choices[0].Message.Content), nil
}

// System is the instruction the model gets: answer only from the articles.
const System = "你是新能源汽车品牌“启程”的车主智能客服。只依据提供的知识库条目和草稿回答车主的问题，用简体中文，简洁礼貌，不超过 150 字。" +
	"条目中没有的信息不要编造；不要承诺预约、退款等操作（这些由系统在车主确认后执行）。"
