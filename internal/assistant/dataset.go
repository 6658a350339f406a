package assistant

import (
	_ "embed"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/support"
)

//go:embed data/utterances.tsv
var utterancesTSV string

//go:embed data/utterances_more.tsv
var utterancesMoreTSV string

// Utterance is one labelled owner question.
type Utterance struct {
	Line   int
	Intent Intent
	KB     string // expected article key, or ""
	Slots  map[string]string
	Text   string
	Test   bool   // in the test part
	File   string // data file the line is in
}

// EvalNow is the moment the labelled slots are relative to: Monday
// 2026-11-30 09:00 in Shanghai.
var EvalNow = time.Date(2026, 11, 30, 9, 0, 0, 0, site.Shanghai)

// Dataset returns the labelled questions. In data/utterances.tsv about 30%
// are in the test part, chosen by a hash of the text so that nobody picks
// them; data/utterances_more.tsv (phrasings written later, without reading
// the test part) is development only, and its lines whose normalized text
// equals a line of utterances.tsv are skipped, so the test part is the same
// and no test question leaks into training.
func Dataset() ([]Utterance, error) {
	out, err := parseUtterances("utterances.tsv", utterancesTSV, true)
	if err != nil {
		return nil, err
	}
	more, err := parseUtterances("utterances_more.tsv", utterancesMoreTSV, false)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(out))
	for _, u := range out {
		seen[Normalize(u.Text)] = true
	}
	for _, u := range more {
		if n := Normalize(u.Text); !seen[n] {
			seen[n] = true
			out = append(out, u)
		}
	}
	return out, nil
}

// parseUtterances reads one labelled file; split says whether its lines
// are divided into development and test parts by the hash of the text.
func parseUtterances(file, tsv string, split bool) ([]Utterance, error) {
	var out []Utterance
	for i, line := range strings.Split(tsv, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("%s:%d: want 4 tab-separated columns, got %d", file, i+1, len(f))
		}
		u := Utterance{Line: i + 1, Intent: Intent(f[0]), Text: f[3], Slots: map[string]string{}, File: file}
		if !u.Intent.Valid() {
			return nil, fmt.Errorf("%s:%d: unknown intent %q", file, i+1, f[0])
		}
		if f[1] != "-" {
			u.KB = f[1]
		}
		if f[2] != "-" {
			for _, kv := range strings.Split(f[2], ",") {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return nil, fmt.Errorf("%s:%d: bad slot %q", file, i+1, kv)
				}
				u.Slots[k] = v
			}
		}
		if split {
			h := fnv.New32a()
			h.Write([]byte(u.Text))
			u.Test = h.Sum32()%10 < 3
		}
		out = append(out, u)
	}
	return out, nil
}

// kbIntent is the intent a default article answers, for training the
// classifier on the knowledge base's own questions.
func kbIntent(key, category string) Intent {
	switch key {
	case "charge_book":
		return BookCharge
	case "swap_book":
		return BookSwap
	case "maint_book":
		return BookRepair
	case "test_drive":
		return TestDrive
	case "appt_change":
		return AppointmentReschedule
	case "human_hours", "invoice", "refund":
		return Account
	case "maint_items", "maint_duration":
		return BookRepair
	case "campaign", "points":
		return Campaign
	case "app_connect", "adas":
		return OTA
	}
	return map[string]Intent{"充电": ChargingHowto, "换电": ChargingHowto, "电池": BatteryHealth, "续航": Range, "保养": BookRepair,
		"质保": Warranty, "软件": OTA, "救援": Roadside, "购车": Purchase, "费用": ChargingHowto, "账户": Account, "社区": Community,
		"活动": Campaign, "预约": AppointmentStatus}[category]
}

// intentCategory is the knowledge-base category whose articles an intent
// prefers when searching.
var intentCategory = map[Intent]string{ChargingHowto: "充电", BatteryHealth: "电池", Range: "续航", Warranty: "质保", OTA: "软件",
	Roadside: "救援", Purchase: "购车", TestDrive: "购车", Campaign: "活动", Community: "社区", Account: "账户"}

// TrainingExamples are the development part of the labelled set and the
// default knowledge base's questions; the test part is never used. A
// development line or article question that is, once normalized, the same
// text as a test question (differing only in punctuation, case or width,
// or an article's similar question that an owner also typed) is left out
// too, so that the test figures measure questions the engine has not seen.
func TrainingExamples(data []Utterance) []example {
	heldOut := map[string]bool{}
	for _, u := range data {
		if u.Test {
			heldOut[Normalize(u.Text)] = true
		}
	}
	var ex []example
	add := func(text string, in Intent) {
		if n := Normalize(text); !heldOut[n] {
			ex = append(ex, example{n, in})
		}
	}
	for _, u := range data {
		if !u.Test {
			add(u.Text, u.Intent)
		}
	}
	for _, a := range support.DefaultArticles {
		in := kbIntent(a.Key, a.Category)
		if in == "" {
			continue
		}
		add(a.Question, in)
		for _, q := range strings.Split(a.Similar, "\n") {
			if q = strings.TrimSpace(q); q != "" {
				add(q, in)
			}
		}
	}
	return ex
}

// DefaultDocs are the default articles as index documents (ids from 1 in
// order, as a new installation numbers them).
func DefaultDocs() []*Doc {
	var docs []*Doc
	for i, a := range support.DefaultArticles {
		docs = append(docs, &Doc{ID: int64(i + 1), Key: a.Key, Category: a.Category, Question: a.Question,
			Similar: splitLines(a.Similar), Answer: a.Answer, Keywords: strings.Fields(a.Keywords)})
	}
	return docs
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Report is the result of an evaluation.
type Report struct {
	Part          string
	Utterances    int
	IntentCorrect int
	SlotLabelled  int
	SlotCorrect   int
	KBLabelled    int
	KBHit1        int
	KBHit3        int
	P50, P99, Max time.Duration
	Answers       int // answers timed
	Errors        []string
}

// Pct returns n of d as a percentage.
func Pct(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return 100 * float64(n) / float64(d)
}

// String prints the report.
func (r *Report) String() string {
	return fmt.Sprintf("part=%s utterances=%d\nintent accuracy: %.1f%% (%d/%d)\nslot accuracy:   %.1f%% (%d/%d utterances with labelled slots, all slots right)\nKB hit@1:        %.1f%% (%d/%d)\nKB hit@3:        %.1f%% (%d/%d)\nlatency p50 %s, p99 %s, max %s over %d answers (understanding and retrieval, no LLM)\n",
		r.Part, r.Utterances, Pct(r.IntentCorrect, r.Utterances), r.IntentCorrect, r.Utterances,
		Pct(r.SlotCorrect, r.SlotLabelled), r.SlotCorrect, r.SlotLabelled,
		Pct(r.KBHit1, r.KBLabelled), r.KBHit1, r.KBLabelled, Pct(r.KBHit3, r.KBLabelled), r.KBHit3, r.KBLabelled, r.P50, r.P99, r.Max, r.Answers)
}

// Evaluate runs the engine trained on the development part over part
// ("test", "dev" or "all") of the labelled set against the default knowledge base.
func Evaluate(part string) (*Report, error) {
	data, err := Dataset()
	if err != nil {
		return nil, err
	}
	e := NewEngine(TrainingExamples(data))
	e.SetDocs(DefaultDocs())
	r := &Report{Part: part}
	var lat []time.Duration
	for _, u := range data {
		if (part == "test" && !u.Test) || (part == "dev" && u.Test) {
			continue
		}
		r.Utterances++
		start := time.Now()
		un := e.Understand(u.Text, EvalNow)
		lat = append(lat, time.Since(start))
		if un.Intent == u.Intent {
			r.IntentCorrect++
		} else {
			r.Errors = append(r.Errors, fmt.Sprintf("%s:%d intent: %q want %s got %s (%.2f)", u.File, u.Line, u.Text, u.Intent, un.Intent, un.Prob))
		}
		if len(u.Slots) > 0 {
			r.SlotLabelled++
			if diff := slotDiff(u.Slots, un.Slots); diff == "" {
				r.SlotCorrect++
			} else {
				r.Errors = append(r.Errors, fmt.Sprintf("%s:%d slots: %q %s", u.File, u.Line, u.Text, diff))
			}
		}
		if u.KB != "" {
			r.KBLabelled++
			for i, h := range un.Hits {
				if h.Doc.Key == u.KB {
					if i == 0 {
						r.KBHit1++
					}
					if i < 3 {
						r.KBHit3++
					}
				}
			}
			if len(un.Hits) == 0 || un.Hits[0].Doc.Key != u.KB {
				got := ""
				if len(un.Hits) > 0 {
					got = un.Hits[0].Doc.Key
				}
				r.Errors = append(r.Errors, fmt.Sprintf("%s:%d kb: %q want %s got %s", u.File, u.Line, u.Text, u.KB, got))
			}
		}
	}
	// Latency: 20 more passes over the same questions, so that the
	// percentiles rest on thousands of answers rather than one pass.
	for range 20 {
		for _, u := range data {
			if (part == "test" && !u.Test) || (part == "dev" && u.Test) {
				continue
			}
			start := time.Now()
			e.Understand(u.Text, EvalNow)
			lat = append(lat, time.Since(start))
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r.Answers = len(lat)
	if n := len(lat); n > 0 {
		r.P50, r.P99, r.Max = lat[n/2], lat[min(n-1, n*99/100)], lat[n-1]
	}
	return r, nil
}

// slotDiff compares labelled slots with the parsed ones; "" when equal on
// every labelled slot and nothing else was found.
func slotDiff(want map[string]string, got Slots) string {
	have := map[string]string{}
	if got.Date != "" {
		d, _ := time.Parse("2006-01-02", got.Date)
		base := time.Date(EvalNow.Year(), EvalNow.Month(), EvalNow.Day(), 0, 0, 0, 0, time.UTC)
		have["date"] = "+" + strconv.Itoa(int(d.Sub(base).Hours()/24))
	}
	if got.Period != "" {
		have["period"] = string(got.Period)
	}
	if got.Minute >= 0 {
		have["time"] = site.Clock(got.Minute)
	}
	if got.Kind != "" {
		have["kind"] = got.Kind
	}
	if got.Place != "" {
		have["place"] = got.Place
	}
	if got.Near {
		have["near"] = "1"
	}
	var diffs []string
	for k, v := range want {
		if have[k] != v {
			diffs = append(diffs, fmt.Sprintf("%s want %s got %s", k, v, have[k]))
		}
	}
	for k, v := range have {
		if _, ok := want[k]; !ok && k != "kind" && k != "period" {
			diffs = append(diffs, fmt.Sprintf("extra %s=%s", k, v))
		}
	}
	sort.Strings(diffs)
	return strings.Join(diffs, "; ")
}

// CrossValidate estimates accuracy on unseen questions without touching
// the test part: the development part is cut into k folds, each measured
// with the engine trained on the other folds (and the knowledge base).
func CrossValidate(k int) (*Report, error) {
	data, err := Dataset()
	if err != nil {
		return nil, err
	}
	var dev []Utterance
	for _, u := range data {
		if !u.Test {
			dev = append(dev, u)
		}
	}
	r := &Report{Part: fmt.Sprintf("dev %d-fold", k)}
	docs := DefaultDocs()
	for fold := 0; fold < k; fold++ {
		var train []Utterance
		for i, u := range dev {
			if i%k != fold {
				train = append(train, u)
			}
		}
		e := NewEngine(TrainingExamples(train))
		e.SetDocs(docs)
		for i, u := range dev {
			if i%k != fold {
				continue
			}
			r.Utterances++
			un := e.Understand(u.Text, EvalNow)
			if un.Intent == u.Intent {
				r.IntentCorrect++
			} else {
				r.Errors = append(r.Errors, fmt.Sprintf("%s:%d intent: %q want %s got %s (%.2f)", u.File, u.Line, u.Text, u.Intent, un.Intent, un.Prob))
			}
			if len(u.Slots) > 0 {
				r.SlotLabelled++
				if slotDiff(u.Slots, un.Slots) == "" {
					r.SlotCorrect++
				}
			}
			if u.KB != "" {
				r.KBLabelled++
				for i, h := range un.Hits {
					if h.Doc.Key == u.KB {
						if i == 0 {
							r.KBHit1++
						}
						if i < 3 {
							r.KBHit3++
						}
					}
				}
			}
		}
	}
	return r, nil
}
