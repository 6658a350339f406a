package assistant

import (
	"strings"
	"sync"
	"time"
)

// Engine understands one message: intent, slots and the knowledge-base
// articles that answer it. It is safe for concurrent use; SetDocs swaps
// the index atomically.
type Engine struct {
	clf *classifier
	mu  sync.RWMutex
	ix  *index
	// places are place names to recognise besides knownPlaces (the sites' districts).
	places []string
}

// NewEngine trains the classifier on examples.
func NewEngine(examples []example) *Engine {
	return &Engine{clf: train(examples), ix: newIndex(nil)}
}

// DefaultEngine is an engine trained on the development part of the
// labelled set and the default articles' questions.
// The classifier is trained once per process (the labelled set is
// embedded) and shared: it is only read after training.
func DefaultEngine() (*Engine, error) {
	clf, err := defaultClassifier()
	if err != nil {
		return nil, err
	}
	return &Engine{clf: clf, ix: newIndex(nil)}, nil
}

var defaultClassifier = sync.OnceValues(func() (*classifier, error) {
	data, err := Dataset()
	if err != nil {
		return nil, err
	}
	return train(TrainingExamples(data)), nil
})

// SetDocs rebuilds the knowledge-base index.
func (e *Engine) SetDocs(docs []*Doc) {
	ix := newIndex(docs)
	e.mu.Lock()
	e.ix = ix
	e.mu.Unlock()
}

// SetPlaces sets the extra place names (site districts and cities).
func (e *Engine) SetPlaces(places []string) {
	e.mu.Lock()
	e.places = places
	e.mu.Unlock()
}

// Understanding is what the engine made of a message.
type Understanding struct {
	Text   string // normalized
	Intent Intent
	Prob   float64
	Second Intent
	Slots  Slots
	Hits   []Hit // best articles, at most 3
	cued   bool  // a cue phrase of Intent is in the text
}

// Understand classifies text, reads its slots relative to now and searches
// the knowledge base.
func (e *Engine) Understand(text string, now time.Time) Understanding {
	n := Normalize(text)
	e.mu.RLock()
	ix, places := e.ix, e.places
	e.mu.RUnlock()
	u := Understanding{Text: n, Slots: ParseSlots(n, now, places), Intent: Other}
	if n == "" {
		return u
	}
	ranked, cued := e.clf.classify(n)
	// Cancelling and moving a booking change the owner's data: they need
	// an explicit cue ("取消", "改到"), else the next intent is taken.
	for len(ranked) > 1 && (ranked[0].Intent == AppointmentCancel || ranked[0].Intent == AppointmentReschedule) && !cued[ranked[0].Intent] {
		ranked = ranked[1:]
	}
	// "我的预约" names the object; an explicit cancel or change verb on it
	// ("取消我的预约", "reschedule my booking") says what to do.
	if len(ranked) > 1 && ranked[0].Intent == AppointmentStatus && (cued[AppointmentCancel] || cued[AppointmentReschedule]) {
		for i, r := range ranked {
			if cued[r.Intent] && (r.Intent == AppointmentCancel || r.Intent == AppointmentReschedule) {
				ranked = append([]scored{r}, append(ranked[:i:i], ranked[i+1:]...)...)
				break
			}
		}
	}
	if len(ranked) > 0 {
		u.Intent, u.Prob = ranked[0].Intent, ranked[0].Prob
	}
	if len(ranked) > 1 {
		u.Second = ranked[1].Intent
	}
	u.cued = cued[u.Intent]
	refine(&u, ranked)
	u.Hits = ix.search(n, 3, intentCategory[u.Intent])
	// Not understood: neither a confident intent nor an article that fits.
	kbConf := 0.0
	if len(u.Hits) > 0 {
		kbConf = u.Hits[0].Confidence
	}
	switch {
	case u.cued || u.Prob >= MinIntent:
	case u.Prob < 0.3 && kbConf < 0.6 && (bookIntent(u.Slots.Kind) == "" || !isAction(u.Intent)):
		u.Intent = Other
	case kbConf < MinAnswer && !isAction(u.Intent) && u.Slots.Kind == "":
		u.Intent = Other
	}
	return u
}

// isAction reports whether in acts on the owner's bookings.
func isAction(in Intent) bool {
	switch in {
	case BookSwap, BookCharge, BookRepair, AppointmentCancel, AppointmentReschedule, AppointmentStatus, Human, Complaint, Feedback:
		return true
	}
	return false
}

// Words that say the owner wants something done, asks where, or asks how.
var (
	bookVerbs  = []string{"约", "订", "安排", "我要", "我想", "想去", "要去", "帮我", "给我", "去换", "去充", "去保养", "去修", "做保养"}
	whereWords = []string{"在哪", "哪里", "哪有", "哪些", "有没有", "地址", "有哪", "哪个站", "哪个换电站", "哪个充电站", "哪个服务中心", "在什么地方"}
	howWords   = []string{"怎么", "如何", "多久", "多少钱", "多长", "几分钟", "为什么", "能不能换电", "哪些车"}
	greetings  = map[string]bool{"你好": true, "您好": true, "在吗": true, "在不在": true, "有人吗": true, "有人在吗": true, "谢谢": true,
		"好的谢谢": true, "谢谢你": true, "多谢": true, "感谢": true, "哈喽": true, "嗨": true, "早上好": true, "下午好": true, "晚上好": true, "早": true}
)

// refine corrects the classifier with what the slots and the sentence
// form say: the service kind decides which booking, a date or time with a
// kind and a booking verb makes a booking, a bare greeting is a greeting.
func refine(u *Understanding, ranked []scored) {
	n := strings.ReplaceAll(u.Text, " ", "")
	if greetings[n] {
		u.Intent, u.Prob = Greeting, 1
		return
	}
	k := u.Slots.Kind
	book := containsAny(n, bookVerbs...)
	where := containsAny(n, whereWords...)
	how := containsAny(n, howWords...)
	timed := u.Slots.Date != "" || u.Slots.Minute >= 0 || u.Slots.Period != ""
	// A fault to be fixed ("要修", "检修", "补胎") is a repair booking.
	if k == "repair" && !u.cued && containsAny(n, "要修", "想修", "去修", "修一下", "检修", "补胎", "想去店里", "检查一下", "检测一下", "看看") &&
		u.Intent != AppointmentCancel && u.Intent != AppointmentReschedule {
		u.Intent, u.Prob = BookRepair, max(u.Prob, 0.6)
		return
	}
	switch u.Intent {
	case BookSwap, BookCharge, BookRepair:
		if where && !book && !timed {
			u.Intent = StationFind
		} else if k != "" {
			u.Intent = bookIntent(k)
		}
	case StationFind:
		if !where && k != "" && ((timed && !how) || book) {
			u.Intent = bookIntent(k)
		}
	case ChargingHowto:
		if where && k != "" && !how {
			u.Intent = StationFind
		} else if k != "" && ((timed && !how) || (book && !how)) {
			u.Intent = bookIntent(k)
		}
	case Other, Feedback, TestDrive, Campaign, Purchase:
		// Not when the sentence says what it is ("建议", "试驾").
		if !u.cued && k != "" && ((timed && !how) || (book && !where && !how)) {
			u.Intent = bookIntent(k)
			u.Prob = max(u.Prob, 0.6)
		}
	}
}
