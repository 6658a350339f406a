package assistant

import (
	"os"
	"testing"
)

// TestDevSet reports the development-part figures (the test part is only
// measured by `nevcrm assistant eval`, never tuned on).
func TestDevSet(t *testing.T) {
	r, err := Evaluate("dev")
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + r.String())
	if os.Getenv("ASSISTANT_ERRORS") != "" {
		for _, e := range r.Errors {
			t.Log(e)
		}
	}
	if Pct(r.IntentCorrect, r.Utterances) < 90 {
		t.Errorf("dev intent accuracy %.1f%% < 90%%", Pct(r.IntentCorrect, r.Utterances))
	}
}

// TestCrossValidation is the honest figure to improve against (the test
// part stays untouched): 5-fold cross-validation on the development part.
func TestCrossValidation(t *testing.T) {
	r, err := CrossValidate(5)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + r.String())
	if os.Getenv("ASSISTANT_ERRORS") != "" {
		for _, e := range r.Errors {
			t.Log(e)
		}
	}
}
