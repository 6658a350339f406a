package web

import (
	"bytes"
	"html/template"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/identity"
)

// The cached navigation is what rendering the nav template for each page
// would give, for every role and entry; asset calls became the fingerprinted
// URLs.
func TestLayoutParts(t *testing.T) {
	t.Parallel()
	w, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	navs := []string{"", "home", "login", "register", "owner", "book", "appointments", "sales", "service", "admin", "users"}
	users := []*identity.User{nil}
	for _, r := range identity.Roles {
		users = append(users, &identity.User{ID: 7, DisplayName: "某人", Role: r, SiteID: 3, CustomerID: 9})
	}
	tmpl := w.pages["error"]
	for _, u := range users {
		for _, nav := range navs {
			var want bytes.Buffer
			if err := tmpl.ExecuteTemplate(&want, "nav", &page{User: u, Nav: nav}); err != nil {
				t.Fatal(err)
			}
			for range 2 { // rendered, then from the cache
				got, err := w.nav.html(u, nav)
				if err != nil || string(got) != want.String() {
					t.Fatalf("nav for %v, %q = %q, %v; want %q", u, nav, got, err, want.String())
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "layout.html", &page{Title: "t", Data: map[string]any{"Status": 404, "Message": "m"}}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"css/app.css", "js/app.js", "vendor/htmx.min.js"} {
		if !strings.Contains(buf.String(), `"`+w.assets[a]+`"`) {
			t.Errorf("layout lacks %s", w.assets[a])
		}
	}
	if strings.Contains(buf.String(), "asset") {
		t.Error("an asset call survived")
	}
}

// A nav template that reads more than the role and the active entry is
// refused (the cache would show one user's data to another).
func TestCheckNav(t *testing.T) {
	t.Parallel()
	ok := []string{
		`{{$n := .Nav}}{{if not .User}}a{{else if eq .User.Role "owner"}}<a{{if eq $n "x"}} class="active"{{end}}>{{end}}`,
		`{{if and .User (ne .User.Role "admin")}}{{.Nav}}{{end}}{{range $i, $x := .Nav}}{{$x}}{{end}}`,
	}
	bad := []string{
		`{{.User.DisplayName}}`,
		`{{.Title}}`,
		`{{with .User}}{{.Role}}{{end}}`,
		`{{template "other" .}}`,
		`{{.}}`,
		`{{printf "%s" .Nav}}`,
		`{{$.User.ID}}`,
		`{{.User.Role.Label}}`,
	}
	for _, text := range append(ok, bad...) {
		tmpl, err := template.New("x").Parse(`{{define "nav"}}` + text + `{{end}}{{define "other"}}{{end}}`)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		err = checkNav(tmpl)
		if want := strings.Contains(strings.Join(ok, "\n"), text); (err == nil) != want {
			t.Errorf("checkNav(%s) = %v", text, err)
		}
	}
}
