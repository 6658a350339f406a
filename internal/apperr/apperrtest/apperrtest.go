// Package apperrtest holds test assertions on domain errors.
package apperrtest

import (
	"testing"

	"github.com/nevcrm/nevcrm/internal/apperr"
)

// WantCode fails the test unless err carries code.
func WantCode(t testing.TB, err error, code apperr.Code) {
	t.Helper()
	if !apperr.Is(err, code) {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

// WantField fails the test unless err is Invalid and names field.
func WantField(t testing.TB, err error, field string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Code != apperr.Invalid {
		t.Fatalf("error = %v, want Invalid with field %q", err, field)
	}
	if _, ok := e.Fields[field]; !ok {
		t.Fatalf("error fields = %v, want field %q", e.Fields, field)
	}
}
