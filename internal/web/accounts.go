package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/campaign"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// Accounts serves login, registration and logout. A registration through
// a referral link (/register?ref=CODE, the code kept in the form) opens the
// account through the campaign area (campaign.Service.RegisterFriend, which
// calls the account service) so that the friend becomes the referrer's lead.
type Accounts struct {
	*Renderer
	Accounts  *account.Service
	Referrals *campaign.Service
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
	h.render(rw, r, http.StatusOK, "login", &page{Title: "登录", Nav: "login", Form: r.URL.Query(),
		Notice: loginReasons[r.URL.Query().Get("reason")]})
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
		back := "/login"
		if next := safeNext(r.PostForm.Get("next")); next != "" {
			back += "?next=" + url.QueryEscape(next)
		}
		h.formError(rw, r, "login", &page{Title: "登录", Nav: "login", URL: back}, err)
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

// registerView is the data of the registration page: the referral the
// friend came through (nil: a plain registration).
type registerView struct {
	Referral *campaign.Referral
}

// referral looks up the form's referral code; an unknown or closed one is
// dropped from the form with a notice (the person may still register).
func (h *Accounts) referral(r *http.Request, p *page) {
	code := strings.TrimSpace(p.Form.Get("ref"))
	if code == "" || h.Referrals == nil {
		return
	}
	ref, err := h.Referrals.LookupReferral(r.Context(), code)
	if err != nil || !ref.Open {
		p.Form.Del("ref")
		p.Notice = "推荐链接无效或活动已结束，您仍可直接注册"
		return
	}
	p.Data = &registerView{Referral: ref}
}

func (h *Accounts) registerForm(rw http.ResponseWriter, r *http.Request) {
	p := &page{Title: "车主注册", Nav: "register", Data: &registerView{}, Form: url.Values{}}
	if ref := r.URL.Query().Get("ref"); ref != "" {
		p.Form.Set("ref", ref)
		h.referral(r, p)
	}
	h.render(rw, r, http.StatusOK, "register", p)
}

func (h *Accounts) register(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	f := r.PostForm
	in := account.RegisterInput{
		Mobile: f.Get("mobile"), Name: f.Get("name"), Password: f.Get("password"), Password2: f.Get("password2"),
		IP: httpx.ClientIP(r, h.TrustProxy),
	}
	var u *identity.User
	var err error
	if ref := strings.TrimSpace(f.Get("ref")); ref != "" && h.Referrals != nil {
		u, err = h.Referrals.RegisterFriend(r.Context(), ref, in)
	} else {
		u, err = h.Accounts.Register(r.Context(), in)
	}
	if err != nil {
		r.Form.Del("password")
		r.Form.Del("password2")
		p := &page{Title: "车主注册", Nav: "register", Data: &registerView{}, Form: r.Form}
		h.referral(r, p)
		h.formError(rw, r, "register", p, err)
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
