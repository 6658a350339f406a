package assistant

import (
	"context"
	"strings"

	"github.com/nevcrm/nevcrm/internal/llm"
)

// LLMWriter phrases knowledge-base answers with an OpenAI-compatible model
// (package llm). The model sees the question (personal identifiers masked),
// the intent, the template answer and the articles found; never the
// owner's name, contact details or vehicles.
type LLMWriter struct{ Client *llm.Client }

// Write asks the model for the reply.
func (w LLMWriter) Write(ctx context.Context, in WriteInput) (string, error) {
	var b strings.Builder
	b.WriteString("车主的问题：" + in.Question + "\n意图：" + string(in.Intent) + "\n草稿回答：" + in.Draft + "\n知识库条目：\n")
	for i, a := range in.Articles {
		b.WriteString("[" + string(rune('1'+i)) + "] " + a + "\n")
	}
	return w.Client.Complete(ctx, []llm.Message{{Role: "system", Content: llm.System}, {Role: "user", Content: b.String()}})
}
