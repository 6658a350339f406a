package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"text/template/parse"

	"github.com/nevcrm/nevcrm/internal/identity"
)

// Every page is the layout around its content, so what the layout does is
// paid by every request. Two parts of it are done once instead of per
// request (html/template calls each function and escaper by reflection,
// which made the layout cost more than the whole /healthz request):
//
//   - {{asset "css/app.css"}} is replaced by the fingerprinted URL itself
//     when the templates are parsed;
//   - the navigation (partials/nav.html) depends only on the user's role and
//     the active entry, so it is rendered once per (role, entry) and kept.
//     checkNav makes New fail if the nav template ever reads anything else.

// assetCall is a call of the asset function with a constant path.
var assetCall = regexp.MustCompile(`\{\{\s*asset\s+"([^"]+)"\s*\}\}`)

// parseFiles parses the embedded files matching patterns into t, writing
// each {{asset "path"}} as the asset's URL. An unknown asset is an error.
func (w *Renderer) parseFiles(t *template.Template, patterns ...string) (*template.Template, error) {
	for _, pattern := range patterns {
		names, err := fs.Glob(files, pattern)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			b, err := fs.ReadFile(files, name)
			if err != nil {
				return nil, err
			}
			var missing string
			text := assetCall.ReplaceAllStringFunc(string(b), func(call string) string {
				p := assetCall.FindStringSubmatch(call)[1]
				u, ok := w.assets[p]
				if !ok {
					missing = p
				}
				return u
			})
			if missing != "" {
				return nil, fmt.Errorf("%s: unknown asset %q", name, missing)
			}
			tt := t
			if base := path.Base(name); base != t.Name() {
				tt = t.New(base)
			}
			if _, err := tt.Parse(text); err != nil {
				return nil, err
			}
		}
	}
	return t, nil
}

// buffers are the page buffers of finished requests, reused so that a page
// does not grow a new buffer from 64 bytes to its full size each time.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer {
	b := buffers.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

// putBuffer returns b to the pool unless it grew unusually large (a long
// list), so that the pool does not keep big buffers alive.
func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= 256<<10 {
		buffers.Put(b)
	}
}

// navCache holds the rendered navigation per role and active entry.
type navCache struct {
	tmpl *template.Template // the layout, for its "nav" template
	m    sync.Map           // navKey -> template.HTML
}

type navKey struct {
	role identity.Role // "" for anonymous visitors
	nav  string
}

// html returns the navigation for u (nil: anonymous) with entry nav active.
func (c *navCache) html(u *identity.User, nav string) (template.HTML, error) {
	k := navKey{nav: nav}
	if u != nil {
		k.role = u.Role
	}
	if v, ok := c.m.Load(k); ok {
		return v.(template.HTML), nil
	}
	p := &page{Nav: nav}
	if u != nil {
		p.User = &identity.User{Role: u.Role}
	}
	var buf bytes.Buffer
	if err := c.tmpl.ExecuteTemplate(&buf, "nav", p); err != nil {
		return "", err
	}
	h := template.HTML(buf.String()) // #nosec: the output of html/template
	c.m.Store(k, h)
	return h, nil
}

// checkNav makes sure the nav template reads only .Nav, .User and
// .User.Role and calls only comparison functions, so that rendering it once
// per (role, entry) gives every request the same result it would render.
func checkNav(t *template.Template) error {
	nav := t.Lookup("nav")
	if nav == nil || nav.Tree == nil {
		return fmt.Errorf(`template "nav" not found`)
	}
	return checkNavNode(nav.Tree.Root)
}

var (
	navFields = [][]string{{"Nav"}, {"User"}, {"User", "Role"}}
	navFuncs  = []string{"eq", "ne", "not", "and", "or"}
)

func checkNavNode(n parse.Node) error {
	switch n := n.(type) {
	case nil, *parse.TextNode, *parse.StringNode, *parse.BoolNode, *parse.NumberNode, *parse.NilNode, *parse.BreakNode, *parse.ContinueNode:
		return nil
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := checkNavNode(c); err != nil {
				return err
			}
		}
		return nil
	case *parse.ActionNode:
		return checkNavNode(n.Pipe)
	case *parse.IfNode:
		return checkNavBranch(&n.BranchNode)
	case *parse.RangeNode:
		return checkNavBranch(&n.BranchNode)
	case *parse.PipeNode:
		if n == nil {
			return nil
		}
		for _, cmd := range n.Cmds {
			for _, arg := range cmd.Args {
				if err := checkNavNode(arg); err != nil {
					return err
				}
			}
		}
		return nil
	case *parse.FieldNode:
		if !slices.ContainsFunc(navFields, func(f []string) bool { return slices.Equal(f, n.Ident) }) {
			return navError(n)
		}
		return nil
	case *parse.VariableNode:
		if n.Ident[0] == "$" && len(n.Ident) > 1 {
			return checkNavNode(&parse.FieldNode{NodeType: parse.NodeField, Pos: n.Pos, Ident: n.Ident[1:]})
		}
		return nil // a variable holding one of the allowed values
	case *parse.IdentifierNode:
		if !slices.Contains(navFuncs, n.Ident) {
			return navError(n)
		}
		return nil
	}
	// with (changes dot), template calls, dot itself, chains: not allowed.
	return navError(n)
}

func checkNavBranch(b *parse.BranchNode) error {
	for _, n := range []parse.Node{b.Pipe, b.List, b.ElseList} {
		if err := checkNavNode(n); err != nil {
			return err
		}
	}
	return nil
}

func navError(n parse.Node) error {
	return fmt.Errorf("partials/nav.html: %q: the navigation is rendered once per role and active entry, "+
		"so it may read only .Nav, .User and .User.Role (and compare them with %s)", n.String(), strings.Join(navFuncs, ", "))
}
