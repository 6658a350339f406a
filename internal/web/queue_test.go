package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db"
)

// TestQueueShowsUnavailableActions: tomorrow's confirmed appointments show
// 开始服务 and 未到店 disabled, each with the reason, not missing.
func TestQueueShowsUnavailableActions(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, db.SQLite)
	tomorrow := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 1).Format("2006-01-02")
	_, b := get(t, s.Login(t, "service"), s.URL+"/service/?date="+tomorrow)
	if !strings.Contains(b, `data-status="confirmed"`) {
		t.Fatal("the demo queue of tomorrow has no confirmed appointment")
	}
	for _, want := range []string{
		`disabled title="预约开始前 2 小时内才能开始服务">开始服务</button>`,
		`disabled title="时段开始后才能标记未到店">未到店</button>`,
	} {
		if !strings.Contains(b, want) {
			t.Errorf("tomorrow's queue lacks %s", want)
		}
	}
}
