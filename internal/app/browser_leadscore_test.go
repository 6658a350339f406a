package app_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/db"
)

// TestBrowserLeadScoring drives chromium through lead mining: the demo
// consultant opens the call list (scores with ↑/↓ reasons), the lead list
// sorted by score and filtered to 高意向, a lead with its score, logs a
// store visit and sees the score rise at once; the admin trains a new
// model as a background job, opens its model card (both families, lift,
// calibration) and rolls back to the first model; service staff open the
// churn list. Screenshots for the manual (see TestBrowserJourney).
func TestBrowserLeadScoring(t *testing.T) {
	t.Parallel()
	exe := findChromium(t)
	shots := screenshotDir(t)
	// Workers run: training and rescoring are background jobs.
	s := apptest.Start(t, db.SQLite, func(c *config.Config) { c.Worker = true })
	b := newBrowser(t, exe, s.URL, shots, 300*time.Second)
	ctx := b.ctx
	b.do("desk viewport", chromedp.EmulateViewport(1280, 900))

	// 1. The call list: the consultant's open leads, best first, with reasons.
	b.login("sales", "销售顾问")
	b.navigate("/sales/priority")
	b.wait("call list", `document.querySelector('#calls .score') !== null`)
	b.wait("reasons", `document.querySelectorAll('#calls .reason').length > 0`)
	scores := evalJS[[]float64](b, "scores", `Array.from(document.querySelectorAll('#calls .list-item-title .score')).map(e => parseInt(e.textContent) || -1)`)
	for i := 1; i < len(scores); i++ {
		if scores[i] > scores[i-1] {
			b.fail("call list not by score: %v", scores)
		}
	}
	b.shot("sales-priority.png", "body")

	// 2. The lead list sorted by score, filtered to 高意向.
	b.navigate("/sales/leads?band=hot&sort=score_desc")
	b.wait("scored list", `document.querySelector('#leads td .score') !== null`)
	hot := evalJS[[]float64](b, "hot scores", `Array.from(document.querySelectorAll('#leads td .score')).map(e => parseInt(e.textContent))`)
	for _, v := range hot {
		if v < 50 {
			b.fail("高意向 filter shows a score of %v", v)
		}
	}
	b.shot("sales-leads-scores.png", "body")

	// 3. A lead of the consultant without a store visit: log one, the score rises.
	var leadID int64
	var before int
	if err := s.App.DB.QueryRowContext(ctx, `SELECT l.id, l.score FROM leads l JOIN users u ON u.id = l.sales_user_id
		WHERE u.username = 'sales' AND l.status IN ('new', 'contacted') AND l.store_visits = 0 AND l.score IS NOT NULL ORDER BY l.id LIMIT 1`).Scan(&leadID, &before); err != nil {
		t.Fatal(err)
	}
	b.navigate("/sales/leads/" + strconv.FormatInt(leadID, 10))
	b.wait("lead score", `document.querySelector('#lead-score .score') !== null`)
	b.do("log a store visit",
		chromedp.SetValue(chromedp.ID("channel"), "visit"),
		chromedp.SendKeys(chromedp.ID("content"), "客户到店看了展车，试坐后满意"),
		chromedp.Click(chromedp.CSS(`#follow-up-form button[type=submit]`)),
	)
	b.wait("followed", `document.querySelector('.alert-success') !== null`)
	// Rescored at once: the page shows the score stored after the visit.
	var stored int
	var visits int
	if err := s.App.DB.QueryRowContext(ctx, `SELECT l.score, l.store_visits FROM leads l JOIN lead_scores s ON s.lead_id = l.id
		WHERE l.id = $1 AND s.scored_at >= (SELECT MAX(created_at) FROM follow_ups WHERE lead_id = $1)`, leadID).Scan(&stored, &visits); err != nil || visits != 1 {
		b.fail("lead %d not rescored after the visit (visits %d): %v", leadID, visits, err)
	}
	if shown, _ := strconv.Atoi(b.text("#lead-score .score")); shown != stored {
		b.fail("page shows %d, stored score %d (before the visit %d)", shown, stored, before)
	}
	b.shot("sales-lead-score.png", "body")
	b.logout()

	// 4. The admin trains a new model in the background and opens its card.
	b.login("admin", "管理员")
	b.navigate("/admin/lead-models")
	b.wait("models", `document.querySelector('#lead-models') !== null`)
	b.do("train", chromedp.Click(chromedp.CSS(`form[action="/admin/lead-models/train"] button`)))
	b.wait("training done", `document.querySelector('.badge-job-completed') !== null`)
	b.navigate("/admin/lead-models")
	b.wait("two versions", `document.querySelectorAll('#lead-models tbody tr').length === 2`)
	b.shot("admin-lead-models.png", "body")
	b.do("open the newest", chromedp.Click(chromedp.CSS(`#lead-models tbody tr:first-child a`)))
	b.wait("model card", `document.querySelector('#families') !== null && document.querySelectorAll('#calibration tbody tr').length === 10`)
	b.contains("#families", "正则化逻辑回归")
	b.contains("#families", "梯度提升树")
	b.shot("admin-lead-model.png", "body")
	// Roll back to the first model: a confirmation dialog of the page.
	b.navigate("/admin/lead-models")
	b.do("open the first", chromedp.Click(chromedp.CSS(`#lead-models tbody tr:last-child a`)))
	b.wait("card", `document.querySelector('form[action$="/activate"]') !== null`)
	b.do("switch", chromedp.Click(chromedp.CSS(`form[action$="/activate"] button`)))
	b.wait("confirm dialog", `document.querySelector('dialog[open]') !== null`)
	b.do("confirm", chromedp.Click(chromedp.CSS(`dialog[open] button[value=ok]`)))
	b.wait("switched", `document.querySelector('.alert-success') !== null`)
	b.contains(".alert-success", "已切换评分模型")
	var active int64
	if err := s.App.DB.QueryRowContext(ctx, `SELECT id FROM lead_score_models WHERE target = 'lead' AND active = TRUE`).Scan(&active); err != nil || active != 1 {
		b.fail("active model %d after the rollback (%v), want 1", active, err)
	}
	b.logout()

	// 5. Service staff: the churn list.
	b.login("service", "服务顾问")
	b.navigate("/owners/mining?kind=churn")
	b.wait("churn list", `document.querySelector('#owners .score') !== null`)
	b.contains(".tabs .active", "售后流失风险")
	b.shot("owners-churn.png", "body")
}
