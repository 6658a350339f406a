package campaign

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
)

// ParticipationStatuses are the states of a sign-up.
var ParticipationStatuses = []Code{{"registered", "已报名"}, {"waitlisted", "候补中"}, {"attended", "已签到"}, {"cancelled", "已取消"}}

// Participation is one customer's sign-up for a campaign.
type Participation struct {
	ID           int64     `json:"id"`
	CampaignID   int64     `json:"campaign_id"`
	CustomerID   int64     `json:"customer_id"`
	CustomerName string    `json:"customer_name"`
	Mobile       string    `json:"mobile"` // masked
	Status       string    `json:"status"`
	JoinedAt     time.Time `json:"joined_at"`
	PromotedAt   time.Time `json:"promoted_at"`
	AttendedAt   time.Time `json:"attended_at"`
	CancelledAt  time.Time `json:"cancelled_at"`
	CheckInCode  string    `json:"check_in_code,omitempty"` // the owner's own only
	Position     int       `json:"waitlist_position"`       // 1-based place on the waitlist; 0 otherwise
}

// StatusLabel is the sign-up status's Chinese name.
func (p *Participation) StatusLabel() string { return label(ParticipationStatuses, p.Status) }

// Active reports whether the sign-up holds a place or a waitlist position.
func (p *Participation) Active() bool { return p.Status == "registered" || p.Status == "waitlisted" }

const partColumns = `p.id, p.campaign_id, p.customer_id, cu.name, cu.mobile, p.status, p.joined_at, p.promoted_at, p.attended_at, p.cancelled_at,
	p.check_in_code`

func scanPart(row interface{ Scan(...any) error }) (*Participation, error) {
	var p Participation
	var promoted, attended, cancelled sql.NullTime
	err := row.Scan(&p.ID, &p.CampaignID, &p.CustomerID, &p.CustomerName, &p.Mobile, &p.Status, &p.JoinedAt, &promoted, &attended, &cancelled,
		&p.CheckInCode)
	if err != nil {
		return nil, err
	}
	p.JoinedAt = p.JoinedAt.UTC()
	p.PromotedAt, p.AttendedAt, p.CancelledAt = timeOf(promoted), timeOf(attended), timeOf(cancelled)
	p.Mobile = identity.MaskMobile(p.Mobile)
	return &p, nil
}

// participation reads customer's sign-up for campaign (nil, nil: none).
func participation(ctx context.Context, q db.Querier, campaignID, customerID int64) (*Participation, error) {
	p, err := scanPart(q.QueryRowContext(ctx, `SELECT `+partColumns+` FROM campaign_participations p JOIN customers cu ON cu.id = p.customer_id
		WHERE p.campaign_id = $1 AND p.customer_id = $2`, campaignID, customerID))
	if db.NoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if p.Status == "waitlisted" {
		err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaign_participations WHERE campaign_id = $1 AND status = 'waitlisted'
			AND (joined_at < $2 OR (joined_at = $2 AND id <= $3))`, campaignID, p.JoinedAt, p.ID).Scan(&p.Position)
	}
	return p, err
}

// owner checks an owner caller with a customer record.
func owner(actor *identity.User) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	if !actor.Is(identity.RoleOwner) || actor.CustomerID == 0 {
		return errOwnerOnly
	}
	return nil
}

// eligibleCond is the condition (on campaigns c) that a customer may see and
// join an open campaign: a campaign without segment rules is open to every
// customer of its city (or everyone when it has none); a targeted one only
// to its contacted audience (the hold-out group is not invited). $1 is the
// customer id, $2 the customer's city.
const eligibleCond = `c.status IN ('published', 'running') AND (
	(NOT EXISTS (SELECT 1 FROM campaign_segment_rules r WHERE r.campaign_id = c.id) AND (c.city = '' OR c.city = $2))
	OR EXISTS (SELECT 1 FROM campaign_audience a WHERE a.campaign_id = c.id AND a.customer_id = $1 AND a.arm = 'target'))`

func customerCity(ctx context.Context, q db.Querier, customerID int64) (string, error) {
	var city string
	err := q.QueryRowContext(ctx, `SELECT city FROM customers WHERE id = $1`, customerID).Scan(&city)
	return city, err
}

// eligible reports whether customer may see and join c now.
func eligible(ctx context.Context, q db.Querier, c *Campaign, customerID int64) (bool, error) {
	city, err := customerCity(ctx, q, customerID)
	if err != nil {
		return false, err
	}
	var n int
	err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaigns c WHERE c.id = $3 AND `+eligibleCond, customerID, city, c.ID).Scan(&n)
	return n > 0, err
}

// OwnerItem is a campaign as an owner's list shows it, with their sign-up.
type OwnerItem struct {
	*Campaign
	Mine *Participation `json:"my_signup"` // nil: not signed up
}

// OwnerCampaigns returns the campaigns the owner may join now (current,
// starting soonest first) and the past or closed ones they signed up for
// (newest first, at most 50).
//
// Owners only (Forbidden otherwise; Unauthenticated without an actor).
func (s *Service) OwnerCampaigns(ctx context.Context, actor *identity.User) (current, past []*OwnerItem, err error) {
	if err := owner(actor); err != nil {
		return nil, nil, err
	}
	city, err := customerCity(ctx, s.db, actor.CustomerID)
	if err != nil {
		return nil, nil, err
	}
	read := func(q string, args ...any) ([]*OwnerItem, error) {
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []*OwnerItem
		for rows.Next() {
			c, err := scanCampaign(rows)
			if err != nil {
				return nil, err
			}
			out = append(out, &OwnerItem{Campaign: c})
		}
		return out, rows.Err()
	}
	current, err = read(`SELECT `+campaignColumns+campaignFrom+` WHERE `+eligibleCond+` ORDER BY c.starts_at, c.id LIMIT 100`, actor.CustomerID, city)
	if err != nil {
		return nil, nil, err
	}
	seen := map[int64]bool{}
	for _, it := range current {
		seen[it.ID] = true
	}
	joined, err := read(`SELECT `+campaignColumns+campaignFrom+` JOIN campaign_participations jp ON jp.campaign_id = c.id AND jp.customer_id = $1
		WHERE c.status <> 'draft' ORDER BY c.starts_at DESC, c.id DESC LIMIT 100`, actor.CustomerID)
	if err != nil {
		return nil, nil, err
	}
	for _, it := range joined {
		if !seen[it.ID] && len(past) < 50 {
			past = append(past, it)
		}
	}
	for _, list := range [][]*OwnerItem{current, past} {
		for _, it := range list {
			if it.Mine, err = participation(ctx, s.db, it.ID, actor.CustomerID); err != nil {
				return nil, nil, err
			}
		}
	}
	return current, past, nil
}

// OwnerView is a campaign's page for an owner.
type OwnerView struct {
	Campaign *Campaign      `json:"campaign"`
	Mine     *Participation `json:"my_signup"` // nil: not signed up
	Eligible bool           `json:"eligible"`
	CanSign  bool           `json:"can_sign_up"`
	Why      string         `json:"why_not"` // why sign-up is closed
	Referral *ReferralCode  `json:"referral"`
	Coupons  []*Coupon      `json:"coupons"`
}

// OwnerCampaign returns campaign id for the owner: one they may join or
// joined before (NotFound otherwise, as for a campaign that does not
// exist).
func (s *Service) OwnerCampaign(ctx context.Context, actor *identity.User, id int64) (*OwnerView, error) {
	if err := owner(actor); err != nil {
		return nil, err
	}
	c, err := get(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	v := &OwnerView{Campaign: c}
	if v.Eligible, err = eligible(ctx, s.db, c, actor.CustomerID); err != nil {
		return nil, err
	}
	if v.Mine, err = participation(ctx, s.db, id, actor.CustomerID); err != nil {
		return nil, err
	}
	if !v.Eligible && v.Mine == nil {
		return nil, errNotFound
	}
	v.CanSign, v.Why = c.SignupState(s.now())
	if !v.Eligible {
		v.CanSign, v.Why = false, "该活动已不在您可参加的范围内"
	}
	if v.Mine != nil && v.Mine.Active() {
		v.CanSign = false
	}
	if v.Referral, err = referralCode(ctx, s.db, id, actor.CustomerID); err != nil {
		return nil, err
	}
	if v.Coupons, err = customerCoupons(ctx, s.db, id, actor.CustomerID); err != nil {
		return nil, err
	}
	return v, nil
}

// SignUp signs the owner up for campaign id: a place when one is free
// (taken by a conditional update of campaigns.seats_taken, so that exactly
// the capacity succeeds when many sign up at once), else the waitlist when
// the campaign keeps one. An online or App campaign whose benefit is a
// coupon issues it at once (offline ones at check-in). The owner is
// notified. A cancelled sign-up may sign up again (it goes to the back).
//
// Owners only. NotFound for a campaign they may not see; Conflict when
// sign-up is closed, the campaign is full without a waitlist, or they are
// already signed up.
func (s *Service) SignUp(ctx context.Context, actor *identity.User, id int64) (*Participation, error) {
	if err := owner(actor); err != nil {
		return nil, err
	}
	now := s.now()
	cust := actor.CustomerID
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		c, err := get(ctx, tx, id)
		if err != nil {
			return err
		}
		ok, err := eligible(ctx, tx, c, cust)
		if err != nil {
			return err
		}
		if !ok {
			return errNotFound
		}
		if open, why := c.SignupState(now); !open {
			return apperr.New(apperr.Conflict, why)
		}
		prev, err := participation(ctx, tx, id, cust)
		if err != nil {
			return err
		}
		if prev != nil && prev.Status != "cancelled" {
			return apperr.New(apperr.Conflict, "您已"+prev.StatusLabel()+"，无需重复报名")
		}
		status := "registered"
		res, err := tx.ExecContext(ctx, `UPDATE campaigns SET seats_taken = seats_taken + 1
			WHERE id = $1 AND status IN ('published', 'running') AND (capacity = 0 OR seats_taken < capacity)`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if !c.Waitlist {
				return apperr.New(apperr.Conflict, "名额已满")
			}
			status = "waitlisted"
		}
		code, err := newCheckInCode(ctx, tx, id)
		if err != nil {
			return err
		}
		if prev == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO campaign_participations (campaign_id, customer_id, status, joined_at, check_in_code)
				VALUES ($1, $2, $3, $4, $5)`, id, cust, status, now, code)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE campaign_participations SET status = $1, joined_at = $2, check_in_code = $3, promoted_at = NULL,
				cancelled_at = NULL WHERE id = $4 AND status = 'cancelled'`, status, now, code, prev.ID)
		}
		if err != nil {
			return err
		}
		title, body := "报名成功："+c.Name, "活动时间 "+c.StartsAt.In(Shanghai).Format("2006-01-02 15:04")+"，签到码 "+code+"，到场时出示给工作人员。"
		if status == "waitlisted" {
			title, body = "已加入候补："+c.Name, "名额已满，您在候补名单中；有人取消时将按顺序自动为您补位并通知您。"
		}
		if _, err := notify.NotifyCustomer(ctx, tx, cust, notify.Notification{Kind: KindSignup, Title: title, Body: body, Link: ownerLink(id), CreatedAt: now}); err != nil {
			return err
		}
		if status == "registered" && c.BenefitKind == "coupon" && c.Channel != "offline" {
			if _, err := benefitCoupon(ctx, tx, c, cust, now); err != nil {
				return err
			}
		}
		if status == "registered" && c.BenefitKind == "points" && c.Channel != "offline" {
			var pid int64
			if err := tx.QueryRowContext(ctx, `SELECT id FROM campaign_participations WHERE campaign_id = $1 AND customer_id = $2`, id, cust).Scan(&pid); err != nil {
				return err
			}
			if _, err := grantPoints(ctx, tx, c, cust, int64(c.BenefitPoints), "sign_up", pid, c.Name, identity.ID(actor), now); err != nil {
				return err
			}
		}
		if err := dropEffect(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "campaign_signup", Entity: "campaigns", EntityID: id,
			Detail: map[string]any{"customer_id": cust, "status": status}})
	})
	if err != nil {
		return nil, err
	}
	return participation(ctx, s.db, id, cust)
}

// newCheckInCode returns a six-digit code not yet used in the campaign.
func newCheckInCode(ctx context.Context, q db.Querier, campaignID int64) (string, error) {
	for {
		code := randomCode("0123456789", 6)
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaign_participations WHERE campaign_id = $1 AND check_in_code = $2`, campaignID, code).Scan(&n); err != nil {
			return "", err
		}
		if n == 0 {
			return code, nil
		}
	}
}

// CancelSignup cancels the owner's sign-up for campaign id. A place given
// up goes to the first on the waitlist at once (promoted and notified).
//
// Owners only. NotFound when they have no sign-up; Conflict when it is
// already cancelled or checked in, or the campaign has ended.
func (s *Service) CancelSignup(ctx context.Context, actor *identity.User, id int64) (*Participation, error) {
	if err := owner(actor); err != nil {
		return nil, err
	}
	now := s.now()
	cust := actor.CustomerID
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		c, err := get(ctx, tx, id)
		if err != nil {
			return err
		}
		p, err := participation(ctx, tx, id, cust)
		if err != nil {
			return err
		}
		if p == nil {
			return apperr.New(apperr.NotFound, "您没有报名这个活动")
		}
		if !p.Active() {
			return apperr.New(apperr.Conflict, "报名"+p.StatusLabel()+"，不能取消")
		}
		if !c.Open() {
			return apperr.New(apperr.Conflict, "活动"+c.StatusLabel()+"，不能取消报名")
		}
		res, err := tx.ExecContext(ctx, `UPDATE campaign_participations SET status = 'cancelled', cancelled_at = $1 WHERE id = $2 AND status = $3`,
			now, p.ID, p.Status)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errChanged
		}
		if p.Status == "registered" {
			if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET seats_taken = seats_taken - 1 WHERE id = $1`, id); err != nil {
				return err
			}
			if _, err := promote(ctx, tx, id, now); err != nil {
				return err
			}
		}
		if err := dropEffect(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "campaign_cancel_signup", Entity: "campaigns", EntityID: id,
			Detail: map[string]any{"customer_id": cust, "was": p.Status}})
	})
	if err != nil {
		return nil, err
	}
	return participation(ctx, s.db, id, cust)
}

// promote gives free places of campaign id to the waitlist in sign-up
// order, notifying each promoted owner, and returns how many moved up.
func promote(ctx context.Context, tx *sql.Tx, id int64, now time.Time) (int, error) {
	n := 0
	for {
		var pid, cust int64
		var name string
		err := tx.QueryRowContext(ctx, `SELECT p.id, p.customer_id, c.name FROM campaign_participations p JOIN campaigns c ON c.id = p.campaign_id
			WHERE p.campaign_id = $1 AND p.status = 'waitlisted' ORDER BY p.joined_at, p.id LIMIT 1`, id).Scan(&pid, &cust, &name)
		if db.NoRows(err) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		res, err := tx.ExecContext(ctx, `UPDATE campaigns SET seats_taken = seats_taken + 1
			WHERE id = $1 AND status IN ('published', 'running') AND (capacity = 0 OR seats_taken < capacity)`, id)
		if err != nil {
			return n, err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return n, nil
		}
		res, err = tx.ExecContext(ctx, `UPDATE campaign_participations SET status = 'registered', promoted_at = $1 WHERE id = $2 AND status = 'waitlisted'`, now, pid)
		if err != nil {
			return n, err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return n, errChanged
		}
		n++
		if _, err := notify.NotifyCustomer(ctx, tx, cust, notify.Notification{Kind: KindPromoted, Title: "候补成功：" + name,
			Body: "有人取消了报名，您已从候补名单自动补位，报名成功。", Link: ownerLink(id), CreatedAt: now}); err != nil {
			return n, err
		}
	}
}

// CheckIn accepts a check-in code at the event: the sign-up with that code
// becomes attended (once). An offline campaign whose benefit is a coupon
// issues it now. The owner is notified.
//
// Sales consultants who see the campaign and admins (others Forbidden,
// another store's campaign NotFound). Invalid on code for a malformed or
// unknown code; Conflict for a waitlisted, cancelled or already checked-in
// sign-up, or a campaign that is not published or running.
func (s *Service) CheckIn(ctx context.Context, actor *identity.User, id int64, code string) (*Participation, error) {
	if err := staff(actor); err != nil {
		return nil, err
	}
	code = strings.TrimSpace(code)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return nil, apperr.Field("code", "签到码是 6 位数字")
	}
	now := s.now()
	var cust int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		c, err := s.visible(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if !c.Open() {
			return apperr.New(apperr.Conflict, "活动"+c.StatusLabel()+"，不能签到")
		}
		var pid int64
		var status string
		var attended sql.NullTime
		err = tx.QueryRowContext(ctx, `SELECT id, customer_id, status, attended_at FROM campaign_participations WHERE campaign_id = $1 AND check_in_code = $2`,
			id, code).Scan(&pid, &cust, &status, &attended)
		if db.NoRows(err) {
			return apperr.Field("code", "没有这个签到码，请核对后重试")
		}
		if err != nil {
			return err
		}
		switch status {
		case "attended":
			return apperr.New(apperr.Conflict, "该签到码已于 "+attended.Time.In(Shanghai).Format("01-02 15:04")+" 签到")
		case "waitlisted":
			return apperr.New(apperr.Conflict, "该车主仍在候补名单中，尚未获得名额")
		case "cancelled":
			return apperr.New(apperr.Conflict, "该报名已取消")
		}
		res, err := tx.ExecContext(ctx, `UPDATE campaign_participations SET status = 'attended', attended_at = $1, checked_in_by = $2
			WHERE id = $3 AND status = 'registered'`, now, nullID(identity.ID(actor)), pid)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errChanged
		}
		body := "欢迎参加！"
		if c.BenefitKind == "coupon" && c.Channel == "offline" {
			cp, err := benefitCoupon(ctx, tx, c, cust, now)
			if err != nil {
				return err
			}
			if cp != nil {
				body += "已发放服务抵扣券 " + cp.Code + "，维修保养时出示即可抵扣。"
			}
		} else if c.BenefitKind == "points" && c.Channel == "offline" {
			got, err := grantPoints(ctx, tx, c, cust, int64(c.BenefitPoints), "check_in", pid, c.Name, identity.ID(actor), now)
			if err != nil {
				return err
			}
			if got {
				body += "已赠送 " + strconv.Itoa(c.BenefitPoints) + " 积分，可在「我的积分」查看。"
			}
		} else if c.BenefitText != "" {
			body += "活动权益：" + c.BenefitText
		}
		if _, err := notify.NotifyCustomer(ctx, tx, cust, notify.Notification{Kind: KindSignup, Title: "签到成功：" + c.Name, Body: body,
			Link: ownerLink(id), CreatedAt: now}); err != nil {
			return err
		}
		if err := dropEffect(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "campaign_check_in", Entity: "campaigns", EntityID: id,
			Detail: map[string]any{"customer_id": cust, "participation_id": pid}})
	})
	if err != nil {
		return nil, err
	}
	return participation(ctx, s.db, id, cust)
}

// Participants returns the sign-ups of campaign id in sign-up order (at
// most limit, 1–500), with mobiles masked and no check-in codes, and the
// count per status. Permissions as for Get.
func (s *Service) Participants(ctx context.Context, actor *identity.User, id int64, limit int) ([]*Participation, map[string]int, error) {
	if _, err := s.visible(ctx, s.db, actor, id); err != nil {
		return nil, nil, err
	}
	if limit < 1 || limit > 500 {
		limit = 500
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+partColumns+` FROM campaign_participations p JOIN customers cu ON cu.id = p.customer_id
		WHERE p.campaign_id = $1 ORDER BY p.joined_at, p.id LIMIT `+strconv.Itoa(limit), id)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []*Participation
	pos := 0
	for rows.Next() {
		p, err := scanPart(rows)
		if err != nil {
			return nil, nil, err
		}
		p.CheckInCode = ""
		if p.Status == "waitlisted" {
			pos++
			p.Position = pos
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	counts := map[string]int{}
	crow, err := s.db.QueryContext(ctx, `SELECT status, COUNT(*) FROM campaign_participations WHERE campaign_id = $1 GROUP BY status`, id)
	if err != nil {
		return nil, nil, err
	}
	defer crow.Close()
	for crow.Next() {
		var st string
		var n int
		if err := crow.Scan(&st, &n); err != nil {
			return nil, nil, err
		}
		counts[st] = n
	}
	return out, counts, crow.Err()
}
