package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
)

func (w *Web) home(rw http.ResponseWriter, r *http.Request) {
	ann, err := w.Content.Announcements(r.Context(), 5)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	news, err := w.Content.LatestNews(r.Context(), 6)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.render(rw, r, http.StatusOK, "home", &page{Title: "首页", Nav: "home", Data: map[string]any{"Announcements": ann, "News": news}})
}

// pathID parses the {id} path value; a malformed id is a 404.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "页面不存在")
	}
	return id, nil
}

func (w *Web) newsPage(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	n, err := w.Content.GetNews(r.Context(), id)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.render(rw, r, http.StatusOK, "news", &page{Title: n.Title, Nav: "home", Data: n})
}

// safeNext returns next if it is a local path, else "".
func safeNext(next string) string {
	if strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.HasPrefix(next, "/\\") {
		return next
	}
	return ""
}

func (w *Web) loginForm(rw http.ResponseWriter, r *http.Request) {
	if u := httpx.User(r); u != nil {
		http.Redirect(rw, r, u.Role.Home(), http.StatusSeeOther)
		return
	}
	w.render(rw, r, http.StatusOK, "login", &page{Title: "登录", Nav: "login", Form: r.URL.Query()})
}

func (w *Web) login(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		w.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	ip := httpx.ClientIP(r, w.TrustProxy)
	u, err := w.Accounts.Authenticate(r.Context(), r.PostForm.Get("username"), r.PostForm.Get("password"), ip)
	if err != nil {
		r.Form.Del("password")
		w.formError(rw, r, "login", &page{Title: "登录", Nav: "login"}, err)
		return
	}
	if err := w.startSession(rw, r, u); err != nil {
		w.fail(rw, r, err)
		return
	}
	target := safeNext(r.PostForm.Get("next"))
	if target == "" || !strings.HasPrefix(target, u.Role.Home()) {
		target = u.Role.Home()
	}
	http.Redirect(rw, r, target, http.StatusSeeOther)
}

// startSession opens a new session (rotating any old one) and sets the cookie.
func (w *Web) startSession(rw http.ResponseWriter, r *http.Request, u *identity.User) error {
	s, err := w.Accounts.StartSession(r.Context(), u.ID, httpx.SessionToken(r), httpx.ClientIP(r, w.TrustProxy), r.UserAgent())
	if err != nil {
		return err
	}
	httpx.SetSessionCookie(rw, r, w.TrustProxy, s.Token, s.ExpiresAt)
	return nil
}

func (w *Web) registerForm(rw http.ResponseWriter, r *http.Request) {
	w.render(rw, r, http.StatusOK, "register", &page{Title: "车主注册", Nav: "register"})
}

func (w *Web) register(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		w.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	f := r.PostForm
	u, err := w.Accounts.Register(r.Context(), account.RegisterInput{
		Mobile: f.Get("mobile"), Name: f.Get("name"), Password: f.Get("password"), Password2: f.Get("password2"),
		IP: httpx.ClientIP(r, w.TrustProxy),
	})
	if err != nil {
		r.Form.Del("password")
		r.Form.Del("password2")
		w.formError(rw, r, "register", &page{Title: "车主注册", Nav: "register"}, err)
		return
	}
	if err := w.startSession(rw, r, u); err != nil {
		w.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/owner/", "registered")
}

func (w *Web) logout(rw http.ResponseWriter, r *http.Request) {
	if err := w.Accounts.EndSession(r.Context(), httpx.SessionToken(r)); err != nil {
		w.fail(rw, r, err)
		return
	}
	httpx.ClearSessionCookie(rw, r, w.TrustProxy)
	redirect(rw, r, "/", "logout")
}
