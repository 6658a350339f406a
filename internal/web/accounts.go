package web

import (
	"net/http"
	"strings"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// Accounts serves login, registration and logout.
type Accounts struct {
	*Renderer
	Accounts *account.Service
}

// Routes returns the login, registration and logout pages.
func (h *Accounts) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Public("GET", "/login", h.loginForm),
		httpx.Public("POST", "/login", h.login),
		httpx.Public("GET", "/register", h.registerForm),
		httpx.Public("POST", "/register", h.register),
		httpx.Public("POST", "/logout", h.logout),
	}
}

// safeNext returns next if it is a local path, else "".
func safeNext(next string) string {
	if strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.HasPrefix(next, "/\\") {
		return next
	}
	return ""
}

func (h *Accounts) loginForm(rw http.ResponseWriter, r *http.Request) {
	if u := httpx.User(r); u != nil {
		http.Redirect(rw, r, u.Role.Home(), http.StatusSeeOther)
		return
	}
	p := &page{Title: "登录", Nav: "login", Form: r.URL.Query()}
	if r.URL.Query().Get("expired") != "" {
		p.Data = map[string]string{"Notice": account.ErrSessionExpired.Message}
	}
	h.render(rw, r, http.StatusOK, "login", p)
}

func (h *Accounts) login(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	u, sess, err := h.Accounts.Login(r.Context(), account.LoginInput{Login: r.PostForm.Get("username"), Password: r.PostForm.Get("password"),
		IP: httpx.ClientIP(r, h.TrustProxy), UserAgent: r.UserAgent(), PreviousToken: httpx.SessionToken(r)})
	if err != nil {
		r.Form.Del("password")
		h.formError(rw, r, "login", &page{Title: "登录", Nav: "login"}, err)
		return
	}
	httpx.SetSessionCookie(rw, r, h.TrustProxy, sess.Token, sess.ExpiresAt)
	target := safeNext(r.PostForm.Get("next"))
	if target == "" || !strings.HasPrefix(target, u.Role.Home()) {
		target = u.Role.Home()
	}
	http.Redirect(rw, r, target, http.StatusSeeOther)
}

// startSession opens a new session (rotating any old one) and sets the cookie.
func (h *Accounts) startSession(rw http.ResponseWriter, r *http.Request, u *identity.User) error {
	s, err := h.Accounts.StartSession(r.Context(), u.ID, httpx.SessionToken(r), httpx.ClientIP(r, h.TrustProxy), r.UserAgent())
	if err != nil {
		return err
	}
	httpx.SetSessionCookie(rw, r, h.TrustProxy, s.Token, s.ExpiresAt)
	return nil
}

func (h *Accounts) registerForm(rw http.ResponseWriter, r *http.Request) {
	h.render(rw, r, http.StatusOK, "register", &page{Title: "车主注册", Nav: "register"})
}

func (h *Accounts) register(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	f := r.PostForm
	u, err := h.Accounts.Register(r.Context(), account.RegisterInput{
		Mobile: f.Get("mobile"), Name: f.Get("name"), Password: f.Get("password"), Password2: f.Get("password2"),
		IP: httpx.ClientIP(r, h.TrustProxy),
	})
	if err != nil {
		r.Form.Del("password")
		r.Form.Del("password2")
		h.formError(rw, r, "register", &page{Title: "车主注册", Nav: "register"}, err)
		return
	}
	if err := h.startSession(rw, r, u); err != nil {
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/owner/", "registered")
}

func (h *Accounts) logout(rw http.ResponseWriter, r *http.Request) {
	if err := h.Accounts.EndSession(r.Context(), httpx.SessionToken(r)); err != nil {
		h.fail(rw, r, err)
		return
	}
	httpx.ClearSessionCookie(rw, r, h.TrustProxy)
	redirect(rw, r, "/", "logout")
}
