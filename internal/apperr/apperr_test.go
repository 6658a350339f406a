package apperr

import (
	"fmt"
	"testing"
	"time"
)

func TestCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		code Code
	}{
		{New(NotFound, "未找到"), NotFound},
		{fmt.Errorf("wrapped: %w", New(Forbidden, "无权访问")), Forbidden},
		{Field("mobile", "手机号格式不正确"), Invalid},
		{New(Conflict, "已约满"), Conflict},
		{fmt.Errorf("disk on fire"), Internal},
	}
	for _, tt := range tests {
		if got := CodeOf(tt.err); got != tt.code {
			t.Errorf("CodeOf(%v) = %s, want %s", tt.err, got, tt.code)
		}
	}
}

func TestValidator(t *testing.T) {
	t.Parallel()
	var v Validator
	v.Check(true, "a", "never")
	if err := v.Err(); err != nil {
		t.Fatalf("Err() = %v, want nil", err)
	}
	v.Check(false, "b", "first")
	v.Check(false, "b", "second")
	e := As(v.Err())
	if e == nil || e.Code != Invalid || e.Fields["b"] != "first" || len(e.Fields) != 1 {
		t.Fatalf("unexpected %#v", e)
	}
}

func TestRateLimitedFor(t *testing.T) {
	e := As(fmt.Errorf("wrapped: %w", RateLimitedFor("太频繁", 90*time.Second)))
	if e == nil || e.Code != RateLimited || e.Message != "太频繁" || e.RetryAfter != 90*time.Second {
		t.Fatalf("unexpected %#v", e)
	}
}
