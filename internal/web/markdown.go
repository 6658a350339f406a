package web

import (
	"bytes"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// markdown renders user-written Markdown (a campaign's description) to
// safe HTML: goldmark (raw HTML in the source is not passed through) and
// then bluemonday's policy for user content, so that no script, event
// handler or foreign frame can reach a page.
var (
	mdRenderer = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify))
	mdPolicy   = bluemonday.UGCPolicy()
)

func markdown(src string) template.HTML {
	var buf bytes.Buffer
	if err := mdRenderer.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(mdPolicy.SanitizeBytes(buf.Bytes())) // #nosec: sanitized above
}
