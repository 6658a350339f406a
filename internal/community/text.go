package community

import (
	"bytes"
	"html/template"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
)

// markdown renders the safe subset: paragraphs, emphasis, lists, quotes,
// code, headings, links and strikethrough. Raw HTML in the source is never
// passed through (goldmark drops it without WithUnsafe), and the result is
// sanitised again by policy, so neither can let markup through alone.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.Strikethrough, extension.Linkify),
	goldmark.WithRendererOptions(html.WithHardWraps()),
)

// policy is what may survive in rendered Markdown: text structure and
// http(s) links that open in a new tab with rel="nofollow noopener". No
// images (photos are uploaded, re-encoded and served by us), no styles, no
// scripts, no event attributes, no other URL schemes.
var policy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "strong", "em", "del", "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4", "h5", "h6", "hr")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https")
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// headings maps Markdown's big headings down to the sizes a post may use.
var headings = strings.NewReplacer("<h1>", "<h3>", "</h1>", "</h3>", "<h2>", "<h3>", "</h2>", "</h3>")

// RenderMarkdown turns a post's Markdown into sanitised HTML.
func RenderMarkdown(src string) template.HTML {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(policy.Sanitize(headings.Replace(buf.String()))) //nolint:gosec // sanitised by policy
}

var (
	mdLink  = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	mdMarks = strings.NewReplacer("#", "", "*", "", "_", "", "`", "", ">", "", "~~", "")
	spaces  = regexp.MustCompile(`\s+`)
)

// Excerpt is the first n characters of Markdown text as plain text.
func Excerpt(src string, n int) string {
	s := mdLink.ReplaceAllString(src, "$1")
	s = mdMarks.Replace(s)
	s = strings.TrimSpace(spaces.ReplaceAllString(s, " "))
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
