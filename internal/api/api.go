// Package api serves the JSON API under /api/v1, calling the same services
// as the HTML pages, and the OpenAPI 3 document that describes it.
package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
)

//go:embed openapi.yaml
var openapiDoc []byte

// Base is what every area's JSON handler shares: error answers, request
// decoding and the OpenAPI document. Each area has its own handler type that
// embeds it and holds only the services it needs.
type Base struct {
	Logger     *slog.Logger
	TrustProxy bool
}

// Who may use the endpoints.
var (
	anyone  = []identity.Role{identity.RoleOwner, identity.RoleSales, identity.RoleService, identity.RoleAdmin}
	owner   = []identity.Role{identity.RoleOwner}
	service = []identity.Role{identity.RoleService, identity.RoleAdmin}
	viewers = []identity.Role{identity.RoleOwner, identity.RoleService, identity.RoleAdmin}
)

// Routes returns the endpoints Base serves itself: the OpenAPI document.
func (a *Base) Routes() []httpx.Route {
	return []httpx.Route{httpx.Public("GET", "/api/v1/openapi.yaml", a.openapi)}
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Field     string            `json:"field,omitempty"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

func writeJSON(rw http.ResponseWriter, status int, v any) {
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.WriteHeader(status)
	_ = json.NewEncoder(rw).Encode(v)
}

// fail writes err as a JSON error; internal errors are logged and hidden.
func (a *Base) fail(rw http.ResponseWriter, r *http.Request, err error) {
	id := httpx.RequestID(r.Context())
	e := apperr.As(err)
	if e == nil && httpx.ClientGone(r, err) {
		a.Logger.InfoContext(r.Context(), "client went away", "path", r.URL.Path, "request_id", id)
		rw.WriteHeader(httpx.StatusClientClosed)
		return
	}
	if e == nil {
		a.Logger.ErrorContext(r.Context(), "internal error", "err", err, "path", r.URL.Path, "request_id", id)
		writeJSON(rw, http.StatusInternalServerError, errorBody{errorDetail{Code: string(apperr.Internal), Message: "服务器内部错误，请稍后再试", RequestID: id}})
		return
	}
	d := errorDetail{Code: string(e.Code), Message: e.Message, Fields: e.Fields, RequestID: id}
	if len(e.Fields) == 1 {
		for f, m := range e.Fields {
			d.Field, d.Message = f, m
		}
	}
	httpx.RetryAfter(rw.Header(), e)
	writeJSON(rw, httpx.Status(e.Code), errorBody{d})
}

// Deny answers a request the route's rule refuses: 401 for anonymous, 403 otherwise.
func (a *Base) Deny(rw http.ResponseWriter, r *http.Request) {
	if httpx.User(r) == nil {
		if httpx.SessionExpired(r) {
			a.fail(rw, r, account.ErrSessionExpired)
			return
		}
		a.fail(rw, r, apperr.New(apperr.Unauthenticated, "请先登录"))
		return
	}
	a.Forbidden(rw, r, "您的账号无权执行此操作")
}

// Forbidden writes a 403 JSON error with message.
func (a *Base) Forbidden(rw http.ResponseWriter, r *http.Request, message string) {
	a.fail(rw, r, apperr.New(apperr.Forbidden, message))
}

// MethodNotAllowed writes a 405 JSON error (the Allow header is set by the caller).
func (a *Base) MethodNotAllowed(rw http.ResponseWriter, r *http.Request) {
	writeJSON(rw, http.StatusMethodNotAllowed, errorBody{errorDetail{Code: "method_not_allowed",
		Message: "该接口不支持 " + r.Method + " 方法", RequestID: httpx.RequestID(r.Context())}})
}

// BadText writes the 422 JSON error for a query or form value that is not
// valid text (invalid UTF-8 or a NUL character).
func (a *Base) BadText(rw http.ResponseWriter, r *http.Request, field string) {
	if field == "" {
		a.fail(rw, r, apperr.New(apperr.Invalid, "请求包含无效字符或不支持的格式（须为 UTF-8 编码，且不含 NUL）"))
		return
	}
	a.fail(rw, r, apperr.Field(field, "包含无效字符（须为 UTF-8 编码，且不含 NUL）"))
}

// NotFound writes a 404 JSON error.
func (a *Base) NotFound(rw http.ResponseWriter, r *http.Request) {
	a.fail(rw, r, apperr.New(apperr.NotFound, "接口不存在"))
}

// decode reads a JSON body into v, rejecting another media type, unknown
// fields, bad syntax and anything after the value with an Invalid error.
func decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return apperr.New(apperr.Invalid, "请求体须为 application/json")
		}
	}
	raw, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.New(apperr.Invalid, "请求体过大")
	}
	if err != nil {
		return apperr.New(apperr.Invalid, "请求体读取失败")
	}
	// Text the databases cannot store: invalid UTF-8 and NUL characters.
	if !utf8.Valid(raw) || bytes.Contains(raw, []byte(`\u0000`)) {
		return apperr.New(apperr.Invalid, "请求体包含无效字符（须为 UTF-8 编码，且不含 NUL）")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil {
		// Exactly one JSON value: {"a":1}{"a":2} or trailing text is refused.
		if err = dec.Decode(&json.RawMessage{}); err == io.EOF {
			return nil
		} else if err == nil || errors.As(err, new(*json.SyntaxError)) {
			return apperr.New(apperr.Invalid, "请求体只能包含一个 JSON 值")
		}
	}
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field == "":
		return apperr.New(apperr.Invalid, "请求体须为 JSON 对象")
	case errors.As(err, &te):
		return apperr.Field(te.Field, "字段类型不正确")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return apperr.Field(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "未知字段")
	}
	return apperr.New(apperr.Invalid, "请求体不是有效的 JSON")
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.Field("id", "id 须为正整数")
	}
	return id, nil
}

func (a *Base) openapi(rw http.ResponseWriter, r *http.Request) {
	rw.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	_, _ = rw.Write(openapiDoc)
}

// listBody is the one JSON shape of every list: the page's items and
// next_cursor, and the count of the whole filtered set.
func listBody[T any](p listing.Page[T], total listing.Total) map[string]any {
	return map[string]any{"items": p.Items, "next_cursor": p.NextCursor, "total": total.N, "total_capped": total.Capped}
}
