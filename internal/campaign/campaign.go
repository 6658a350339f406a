// Package campaign owns the marketing campaigns (营销活动): their details,
// budget and cost lines, status machine, audience segments with hold-out,
// sign-ups with capacity and waitlist, check-in codes, referral codes and
// referrals, coupons redeemed on work orders, and the effect figures.
//
// Tables: campaigns, campaign_costs, campaign_segment_rules,
// campaign_audience, campaign_participations, campaign_referral_codes,
// campaign_referrals, campaign_coupons. Leads are created through the sales
// service, friends' accounts through the account service, notifications through notify, the coupon discount of a work order
// through the work-order service; the effect figures read leads,
// opportunities, orders and work orders with read-only joins.
package campaign

import (
	"context"
	"crypto/rand"
	"database/sql"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/notify"
	"github.com/nevcrm/nevcrm/internal/sales"
	"github.com/nevcrm/nevcrm/internal/workorder"
)

// Shanghai is the zone of the dates and times campaigns show and take.
var Shanghai = time.FixedZone("CST", 8*3600)

// Code is a stored code and its Chinese name.
type Code struct{ Code, Label string }

func label(list []Code, c string) string {
	for _, x := range list {
		if x.Code == c {
			return x.Label
		}
	}
	return c
}

func valid(list []Code, c string) bool {
	for _, x := range list {
		if x.Code == c {
			return true
		}
	}
	return false
}

// Kinds are the campaign types, in the order forms list them.
var Kinds = []Code{{"test_drive_event", "试驾日"}, {"owner_event", "车主活动"}, {"referral", "转介绍"}, {"charging_promo", "充电优惠"},
	{"service_promo", "保养优惠"}, {"launch", "新车上市"}, {"discount", "购车优惠"}, {"online", "线上直播"}}

// Channels are where a campaign takes place.
var Channels = []Code{{"offline", "线下"}, {"online", "线上"}, {"app", "App"}}

// Statuses are the lifecycle states, in lifecycle order.
var Statuses = []Code{{"draft", "草稿"}, {"published", "已发布"}, {"running", "进行中"}, {"ended", "已结束"}, {"archived", "已归档"}, {"cancelled", "已取消"}}

// Benefits are what an owner gets for taking part.
var Benefits = []Code{{"none", "无"}, {"points", "积分"}, {"coupon", "服务抵扣券"}, {"gift", "礼品"}}

// Covers are the built-in cover images (static/img/campaign-<code>.svg).
var Covers = []Code{{"", "按活动类型"}, {"drive", "试驾"}, {"party", "聚会"}, {"charge", "充电"}, {"service", "保养"}, {"launch", "新车"}, {"gift", "礼品"}}

// CoverUpload is the cover value of a campaign that shows its uploaded
// picture (campaign_cover_images) instead of a built-in one.
const CoverUpload = "upload"

// coverURL is the address of campaign id's uploaded cover ("" when the
// cover is a built-in one); version changes the address when it changes.
func coverURL(cover string, id int64, version time.Time) string {
	if cover != CoverUpload {
		return ""
	}
	u := "/campaigns/" + strconv.FormatInt(id, 10) + "/cover"
	if !version.IsZero() {
		u += "?v=" + strconv.FormatInt(version.Unix(), 10)
	}
	return u
}

// KindLabel, StatusLabel, ChannelLabel, BenefitLabel: the Chinese names.
func KindLabel(c string) string { return label(Kinds, c) }

// StatusLabel is the status's Chinese name.
func StatusLabel(c string) string { return label(Statuses, c) }

// ChannelLabel is the channel's Chinese name.
func ChannelLabel(c string) string { return label(Channels, c) }

// BenefitLabel is the benefit kind's Chinese name.
func BenefitLabel(c string) string { return label(Benefits, c) }

// Campaign is one marketing campaign.
type Campaign struct {
	ID              int64     `json:"id"`
	Name            string    `json:"name"`
	Kind            string    `json:"kind"`
	Channel         string    `json:"channel"`
	StoreID         int64     `json:"store_id"` // 0: national
	StoreName       string    `json:"store_name"`
	City            string    `json:"city"` // "": every city
	Description     string    `json:"description"`
	Cover           string    `json:"cover"`
	Place           string    `json:"place"`
	StartsAt        time.Time `json:"starts_at"`
	EndsAt          time.Time `json:"ends_at"`
	SignupOpensAt   time.Time `json:"signup_opens_at"`  // zero: when published
	SignupClosesAt  time.Time `json:"signup_closes_at"` // zero: when it ends
	BudgetFen       int64     `json:"budget_fen"`
	CostFen         int64     `json:"cost_fen"`
	Capacity        int       `json:"capacity"` // 0: unlimited
	SeatsTaken      int       `json:"seats_taken"`
	Waitlist        bool      `json:"waitlist"`
	Waiting         int       `json:"waiting"`
	BenefitKind     string    `json:"benefit_kind"`
	BenefitText     string    `json:"benefit_text"`
	BenefitPoints   int       `json:"benefit_points"`
	CouponValueFen  int64     `json:"coupon_value_fen"`
	CouponValidDays int       `json:"coupon_valid_days"`
	ReferralReward  string    `json:"referral_reward"`
	ReferralPoints  int       `json:"referral_points"` // points the referrer earns when a referred friend buys
	HoldoutPct      int       `json:"holdout_pct"`
	AttributionDays int       `json:"attribution_days"`
	Status          string    `json:"status"`
	AudienceSize    int       `json:"audience_size"`
	HoldoutSize     int       `json:"holdout_size"`
	NoConsentSize   int       `json:"no_consent_size"`
	ReachedCount    int       `json:"reached_count"`
	PublishJobID    int64     `json:"publish_job_id"`
	PublishedAt     time.Time `json:"published_at"`
	CreatedBy       int64     `json:"created_by"`
	CreatorName     string    `json:"creator_name"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	Targeted        bool      `json:"targeted"` // has segment rules: only its audience may join
}

// KindLabel is the type's Chinese name.
func (c *Campaign) KindLabel() string { return KindLabel(c.Kind) }

// StatusLabel is the status's Chinese name.
func (c *Campaign) StatusLabel() string { return StatusLabel(c.Status) }

// ChannelLabel is the channel's Chinese name.
func (c *Campaign) ChannelLabel() string { return ChannelLabel(c.Channel) }

// BenefitLabel is the benefit kind's Chinese name.
func (c *Campaign) BenefitLabel() string { return BenefitLabel(c.BenefitKind) }

// Open reports whether owners can see the campaign as current.
func (c *Campaign) Open() bool { return c.Status == "published" || c.Status == "running" }

// Full reports whether every place is taken.
func (c *Campaign) Full() bool { return c.Capacity > 0 && c.SeatsTaken >= c.Capacity }

// SeatsLeft is the number of free places (-1: unlimited).
func (c *Campaign) SeatsLeft() int {
	if c.Capacity == 0 {
		return -1
	}
	return max(0, c.Capacity-c.SeatsTaken)
}

// CoverName is the built-in cover shown: the chosen one or the type's.
func (c *Campaign) CoverName() string { return coverFor(c.Cover, c.Kind) }

// CoverURL is the address of the uploaded cover ("": a built-in one).
func (c *Campaign) CoverURL() string { return coverURL(c.Cover, c.ID, c.UpdatedAt) }

func coverFor(cover, kind string) string {
	if cover != "" && cover != CoverUpload {
		return cover
	}
	switch kind {
	case "test_drive_event":
		return "drive"
	case "owner_event", "online":
		return "party"
	case "charging_promo":
		return "charge"
	case "service_promo":
		return "service"
	case "launch":
		return "launch"
	}
	return "gift"
}

// SignupCloses is when sign-up ends: the set time or the campaign's end.
func (c *Campaign) SignupCloses() time.Time {
	if !c.SignupClosesAt.IsZero() {
		return c.SignupClosesAt
	}
	return c.EndsAt
}

// SignupState says whether sign-up is open at now, and if not why (Chinese).
func (c *Campaign) SignupState(now time.Time) (bool, string) {
	switch {
	case !c.Open():
		return false, "活动" + c.StatusLabel() + "，不能报名"
	case !c.SignupOpensAt.IsZero() && now.Before(c.SignupOpensAt):
		return false, "报名将于 " + c.SignupOpensAt.In(Shanghai).Format("2006-01-02 15:04") + " 开始"
	case now.After(c.SignupCloses()):
		return false, "报名已截止"
	case c.Full() && !c.Waitlist:
		return false, "名额已满"
	}
	return true, ""
}

// Service is the campaign area.
type Service struct {
	db    *db.DB
	now   func() time.Time
	acc   *account.Service
	sales *sales.Service
	wo    *workorder.Service
	// Enqueue starts the publish job of a campaign in the caller's
	// transaction (set by internal/app; nil: publishing runs inline).
	enqueue func(ctx context.Context, tx *sql.Tx, actor *identity.User, campaignID int64) (int64, error)
}

// NewService returns the campaign service; now may be nil for time.Now.
// Accounts of referred friends are opened through acc, their leads through
// s, coupon discounts go through wo.
func NewService(d *db.DB, now func() time.Time, acc *account.Service, s *sales.Service, wo *workorder.Service) *Service {
	return &Service{db: d, now: db.UTC(now), acc: acc, sales: s, wo: wo}
}

// UsePublishJob makes publishing enqueue f's job in the publishing
// transaction instead of building the audience inline.
func (s *Service) UsePublishJob(f func(ctx context.Context, tx *sql.Tx, actor *identity.User, campaignID int64) (int64, error)) {
	s.enqueue = f
}

// Now returns the service's clock (UTC).
func (s *Service) Now() time.Time { return s.now() }

// Errors shared by the area.
var (
	errNoAccess  = apperr.New(apperr.Forbidden, "只有销售顾问和管理员可以管理营销活动")
	errNotFound  = apperr.New(apperr.NotFound, "活动不存在")
	errNotYours  = apperr.New(apperr.Forbidden, "只有活动创建人、门店经理或管理员可以修改这个活动")
	errChanged   = apperr.New(apperr.Conflict, "活动刚刚被其他人修改，请刷新后重试")
	errOwnerOnly = apperr.New(apperr.Forbidden, "只有车主可以报名活动")
)

// staff checks a staff caller: nil Unauthenticated; admins and the system
// pass; sales consultants need a store; everyone else is Forbidden.
func staff(actor *identity.User) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	if actor.Is(identity.RoleAdmin, identity.RoleSystem) {
		return nil
	}
	if !actor.Is(identity.RoleSales) {
		return errNoAccess
	}
	if actor.SiteID == 0 {
		return apperr.New(apperr.Forbidden, "您的账号未归属门店，请联系管理员")
	}
	return nil
}

// sees reports whether staff member u sees c: admins everything, a
// consultant their store's campaigns and the national ones.
func sees(u *identity.User, c *Campaign) bool {
	return u.Is(identity.RoleAdmin, identity.RoleSystem) || (u.Is(identity.RoleSales) && (c.StoreID == 0 || c.StoreID == u.SiteID))
}

// manages reports whether u may change c: admins; the creator or a store
// manager of its store. National campaigns are the admins'.
func manages(u *identity.User, c *Campaign) bool {
	if u.Is(identity.RoleAdmin, identity.RoleSystem) {
		return true
	}
	return u.Is(identity.RoleSales) && c.StoreID != 0 && c.StoreID == u.SiteID && (c.CreatedBy == u.ID || u.Can(identity.PermStoreManager))
}

const campaignColumns = `c.id, c.name, c.kind, c.channel, COALESCE(c.store_id, 0), COALESCE(st.name, ''), c.city, c.description, c.cover, c.place,
	c.starts_at, c.ends_at, c.signup_opens_at, c.signup_closes_at, c.budget_fen, c.cost_fen, c.capacity, c.seats_taken, c.waitlist,
	(SELECT COUNT(*) FROM campaign_participations w WHERE w.campaign_id = c.id AND w.status = 'waitlisted'),
	c.benefit_kind, c.benefit_text, c.benefit_points, c.coupon_value_fen, c.coupon_valid_days, c.referral_reward, c.referral_points, c.holdout_pct,
	c.attribution_days, c.status, c.audience_size, c.holdout_size, c.no_consent_size, c.reached_count, COALESCE(c.publish_job_id, 0),
	c.published_at, COALESCE(c.created_by, 0), COALESCE(u.display_name, ''), c.created_at, c.updated_at,
	EXISTS (SELECT 1 FROM campaign_segment_rules r WHERE r.campaign_id = c.id)`

const campaignFrom = ` FROM campaigns c LEFT JOIN sites st ON st.id = c.store_id LEFT JOIN users u ON u.id = c.created_by`

func scanCampaign(row interface{ Scan(...any) error }) (*Campaign, error) {
	var c Campaign
	var opens, closes, published, updated sql.NullTime
	err := row.Scan(&c.ID, &c.Name, &c.Kind, &c.Channel, &c.StoreID, &c.StoreName, &c.City, &c.Description, &c.Cover, &c.Place,
		&c.StartsAt, &c.EndsAt, &opens, &closes, &c.BudgetFen, &c.CostFen, &c.Capacity, &c.SeatsTaken, &c.Waitlist, &c.Waiting,
		&c.BenefitKind, &c.BenefitText, &c.BenefitPoints, &c.CouponValueFen, &c.CouponValidDays, &c.ReferralReward, &c.ReferralPoints, &c.HoldoutPct,
		&c.AttributionDays, &c.Status, &c.AudienceSize, &c.HoldoutSize, &c.NoConsentSize, &c.ReachedCount, &c.PublishJobID,
		&published, &c.CreatedBy, &c.CreatorName, &c.CreatedAt, &updated, &c.Targeted)
	if err != nil {
		return nil, err
	}
	c.StartsAt, c.EndsAt, c.CreatedAt = c.StartsAt.UTC(), c.EndsAt.UTC(), c.CreatedAt.UTC()
	c.SignupOpensAt, c.SignupClosesAt, c.PublishedAt, c.UpdatedAt = timeOf(opens), timeOf(closes), timeOf(published), timeOf(updated)
	return &c, nil
}

func timeOf(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// get reads campaign id (NotFound when there is none).
func get(ctx context.Context, q db.Querier, id int64) (*Campaign, error) {
	c, err := scanCampaign(q.QueryRowContext(ctx, `SELECT `+campaignColumns+campaignFrom+` WHERE c.id = $1`, id))
	if db.NoRows(err) {
		return nil, errNotFound
	}
	return c, err
}

// visible reads campaign id for staff member actor: NotFound when it does
// not exist or is another store's.
func (s *Service) visible(ctx context.Context, q db.Querier, actor *identity.User, id int64) (*Campaign, error) {
	if err := staff(actor); err != nil {
		return nil, err
	}
	c, err := get(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if !sees(actor, c) {
		return nil, errNotFound
	}
	return c, nil
}

// managed is visible plus the right to change it (Forbidden).
func (s *Service) managed(ctx context.Context, q db.Querier, actor *identity.User, id int64) (*Campaign, error) {
	c, err := s.visible(ctx, q, actor, id)
	if err != nil {
		return nil, err
	}
	if !manages(actor, c) {
		return nil, errNotYours
	}
	return c, nil
}

// Input is what the create and edit forms submit. Times are UTC.
type Input struct {
	Name            string
	Kind            string
	Channel         string
	StoreID         int64 // admins: a store, or 0 for a national campaign; consultants: always their own
	City            string
	Description     string
	Cover           string
	Place           string
	StartsAt        time.Time
	EndsAt          time.Time
	SignupOpensAt   time.Time
	SignupClosesAt  time.Time
	BudgetFen       int64
	Capacity        int
	Waitlist        bool
	BenefitKind     string
	BenefitText     string
	BenefitPoints   int
	CouponValueFen  int64
	CouponValidDays int
	ReferralReward  string
	ReferralPoints  int
	// CoverImage is an uploaded cover picture (JPEG, PNG or WebP, as the
	// community's photos: community.ProcessUpload); when set, Cover becomes
	// CoverUpload. Cover may be CoverUpload only with an image, new or kept.
	CoverImage      []byte
	HoldoutPct      int
	AttributionDays int
}

func trimmed(v *apperr.Validator, s *string, field string, min, max int, msg string) {
	*s = strings.TrimSpace(*s)
	n := utf8.RuneCountInString(*s)
	v.Check(n >= min && n <= max, field, msg)
}

// check validates the input's own fields.
func (in *Input) check() error {
	var v apperr.Validator
	trimmed(&v, &in.Name, "name", 2, 40, "请填写活动名称（2 到 40 个字）")
	v.Check(valid(Kinds, in.Kind), "kind", "请选择活动类型")
	if in.Channel == "" {
		in.Channel = "offline"
	}
	v.Check(valid(Channels, in.Channel), "channel", "请选择活动形式")
	trimmed(&v, &in.City, "city", 0, 20, "城市不能超过 20 个字")
	trimmed(&v, &in.Description, "description", 0, 5000, "活动介绍不能超过 5000 个字")
	if len(in.CoverImage) > 0 {
		in.Cover = CoverUpload
	}
	v.Check(valid(Covers, in.Cover) || in.Cover == CoverUpload, "cover", "请选择封面")
	trimmed(&v, &in.Place, "place", 0, 100, "地点不能超过 100 个字")
	if in.Channel == "offline" && in.Place == "" {
		v.Check(false, "place", "线下活动请填写地点")
	}
	v.Check(!in.StartsAt.IsZero(), "starts_at", "请填写开始时间")
	v.Check(!in.EndsAt.IsZero(), "ends_at", "请填写结束时间")
	if !in.StartsAt.IsZero() && !in.EndsAt.IsZero() {
		v.Check(!in.EndsAt.Before(in.StartsAt), "ends_at", "结束时间不能早于开始时间")
	}
	if !in.SignupOpensAt.IsZero() && !in.SignupClosesAt.IsZero() {
		v.Check(in.SignupOpensAt.Before(in.SignupClosesAt), "signup_closes_at", "报名截止时间须晚于报名开始时间")
	}
	if !in.SignupClosesAt.IsZero() && !in.EndsAt.IsZero() {
		v.Check(!in.SignupClosesAt.After(in.EndsAt), "signup_closes_at", "报名截止时间不能晚于活动结束时间")
	}
	v.Check(in.BudgetFen >= 0 && in.BudgetFen <= 1_000_000_000_00, "budget", "预算须为 0 到 10 亿元")
	v.Check(in.Capacity >= 0 && in.Capacity <= 100000, "capacity", "名额须为 0（不限）到 100,000")
	if !valid(Benefits, in.BenefitKind) {
		if in.BenefitKind == "" {
			in.BenefitKind = "none"
		} else {
			v.Check(false, "benefit_kind", "请选择活动权益")
		}
	}
	trimmed(&v, &in.BenefitText, "benefit_text", 0, 100, "权益说明不能超过 100 个字")
	v.Check(in.BenefitPoints >= 0 && in.BenefitPoints <= 100000, "benefit_points", "积分须为 0 到 100,000")
	if in.BenefitKind == "points" {
		v.Check(in.BenefitPoints > 0, "benefit_points", "请填写赠送的积分")
	}
	if in.BenefitKind == "coupon" {
		v.Check(in.CouponValueFen > 0 && in.CouponValueFen <= 1_000_000, "coupon_value", "抵扣券面额须为 0.01 到 10,000 元")
	} else {
		in.CouponValueFen = 0
	}
	if in.CouponValidDays == 0 {
		in.CouponValidDays = 90
	}
	v.Check(in.CouponValidDays >= 1 && in.CouponValidDays <= 730, "coupon_valid_days", "抵扣券有效期须为 1 到 730 天")
	if in.BenefitKind == "gift" {
		v.Check(in.BenefitText != "", "benefit_text", "请写明礼品")
	}
	trimmed(&v, &in.ReferralReward, "referral_reward", 0, 100, "推荐奖励说明不能超过 100 个字")
	v.Check(in.ReferralPoints >= 0 && in.ReferralPoints <= 100000, "referral_points", "推荐奖励积分须为 0 到 100,000")
	v.Check(in.HoldoutPct >= 0 && in.HoldoutPct <= 50, "holdout_pct", "对照组比例须为 0 到 50%")
	if in.AttributionDays == 0 {
		in.AttributionDays = 30
	}
	v.Check(in.AttributionDays >= 1 && in.AttributionDays <= 180, "attribution_days", "归因窗口须为 1 到 180 天")
	return v.Err()
}

// storeFor decides the campaign's store: a consultant's own; an admin's
// choice (0: national), which must be a store.
func storeFor(ctx context.Context, q db.Querier, actor *identity.User, storeID int64) (int64, error) {
	if actor.Is(identity.RoleSales) {
		return actor.SiteID, nil
	}
	if storeID == 0 {
		return 0, nil
	}
	var kind string
	err := q.QueryRowContext(ctx, `SELECT kind FROM sites WHERE id = $1`, storeID).Scan(&kind)
	if db.NoRows(err) || (err == nil && kind != "store") {
		return 0, apperr.Field("store_id", "请选择有效的门店")
	}
	return storeID, err
}

// Create saves a new draft campaign and returns it.
//
// Sales consultants (for their store), admins and the system may call it;
// others are Forbidden. Bad input is Invalid naming the field (name, kind,
// channel, city, description, cover, place, starts_at, ends_at,
// signup_closes_at, budget, capacity, benefit_kind, benefit_text,
// benefit_points, coupon_value, coupon_valid_days, referral_reward,
// referral_points, holdout_pct, attribution_days, store_id, cover_image:
// a picture that is not JPEG, PNG or WebP, over 8 MB or 40 megapixels).
func (s *Service) Create(ctx context.Context, actor *identity.User, in Input) (*Campaign, error) {
	if err := staff(actor); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	img, err := prepareCover(&in)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var id int64
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		store, err := storeFor(ctx, tx, actor, in.StoreID)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO campaigns (name, kind, channel, store_id, city, description, cover, place, starts_at, ends_at,
				signup_opens_at, signup_closes_at, budget_fen, capacity, waitlist, benefit_kind, benefit_text, benefit_points, coupon_value_fen,
				coupon_valid_days, referral_reward, holdout_pct, attribution_days, status, created_by, created_at, updated_at, referral_points)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, 'draft', $24, $25, $25, $26)
			RETURNING id`,
			in.Name, in.Kind, in.Channel, nullID(store), in.City, in.Description, in.Cover, in.Place, in.StartsAt.UTC(), in.EndsAt.UTC(),
			nullTime(in.SignupOpensAt), nullTime(in.SignupClosesAt), in.BudgetFen, in.Capacity, in.Waitlist, in.BenefitKind, in.BenefitText,
			in.BenefitPoints, in.CouponValueFen, in.CouponValidDays, in.ReferralReward, in.HoldoutPct, in.AttributionDays,
			nullID(identity.ID(actor)), now, in.ReferralPoints).Scan(&id)
		if err != nil {
			return err
		}
		if err := saveCover(ctx, tx, id, in.Cover, img, identity.ID(actor), now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "create_campaign", Entity: "campaigns", EntityID: id,
			Detail: map[string]any{"name": in.Name, "kind": in.Kind}})
	})
	if err != nil {
		return nil, err
	}
	return get(ctx, s.db, id)
}

// Update changes a campaign's details. In a draft everything may change;
// once published the audience settings (hold-out share) stay as they were,
// the capacity may not fall below the places taken, and a larger capacity
// promotes waitlisted sign-ups at once (they are notified). Ended, archived
// and cancelled campaigns are Conflict.
//
// The creator, a store manager of its store and admins may call it
// (Forbidden otherwise; NotFound for another store's). Invalid as for Create.
func (s *Service) Update(ctx context.Context, actor *identity.User, id int64, in Input) (*Campaign, error) {
	if err := staff(actor); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	img, err := prepareCover(&in)
	if err != nil {
		return nil, err
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		c, err := s.managed(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if c.Status != "draft" && c.Status != "published" && c.Status != "running" {
			return apperr.New(apperr.Conflict, "活动"+c.StatusLabel()+"，不能再修改")
		}
		store := c.StoreID
		if c.Status == "draft" {
			if store, err = storeFor(ctx, tx, actor, in.StoreID); err != nil {
				return err
			}
		} else {
			if in.HoldoutPct != c.HoldoutPct {
				return apperr.Field("holdout_pct", "活动发布后不能修改对照组比例")
			}
			if in.Capacity != 0 && in.Capacity < c.SeatsTaken {
				return apperr.Field("capacity", "名额不能少于已报名的 "+strconv.Itoa(c.SeatsTaken)+" 人")
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE campaigns SET name = $1, kind = $2, channel = $3, store_id = $4, city = $5, description = $6,
				cover = $7, place = $8, starts_at = $9, ends_at = $10, signup_opens_at = $11, signup_closes_at = $12, budget_fen = $13,
				capacity = $14, waitlist = $15, benefit_kind = $16, benefit_text = $17, benefit_points = $18, coupon_value_fen = $19,
				coupon_valid_days = $20, referral_reward = $21, holdout_pct = $22, attribution_days = $23, updated_at = $24, referral_points = $27
			WHERE id = $25 AND status = $26`,
			in.Name, in.Kind, in.Channel, nullID(store), in.City, in.Description, in.Cover, in.Place, in.StartsAt.UTC(), in.EndsAt.UTC(),
			nullTime(in.SignupOpensAt), nullTime(in.SignupClosesAt), in.BudgetFen, in.Capacity, in.Waitlist, in.BenefitKind, in.BenefitText,
			in.BenefitPoints, in.CouponValueFen, in.CouponValidDays, in.ReferralReward, in.HoldoutPct, in.AttributionDays, now, id, c.Status, in.ReferralPoints)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errChanged
		}
		if err := saveCover(ctx, tx, id, in.Cover, img, identity.ID(actor), now); err != nil {
			return err
		}
		if c.Status != "draft" {
			if _, err := promote(ctx, tx, id, now); err != nil {
				return err
			}
		}
		if err := dropEffect(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "update_campaign", Entity: "campaigns", EntityID: id,
			Detail: map[string]any{"name": in.Name}})
	})
	if err != nil {
		return nil, err
	}
	return get(ctx, s.db, id)
}

// Get returns campaign id for a staff member who sees it (NotFound
// otherwise); owners use OwnerCampaign.
func (s *Service) Get(ctx context.Context, actor *identity.User, id int64) (*Campaign, error) {
	return s.visible(ctx, s.db, actor, id)
}

// CanManage reports whether actor may change c (for the page's buttons).
func CanManage(actor *identity.User, c *Campaign) bool { return actor != nil && manages(actor, c) }

// Transitions of the status machine: action -> from statuses, to status.
var transitions = map[string]struct {
	from []string
	to   string
}{
	"start":   {[]string{"published"}, "running"},
	"end":     {[]string{"running", "published"}, "ended"},
	"archive": {[]string{"ended", "cancelled"}, "archived"},
	"cancel":  {[]string{"draft", "published", "running"}, "cancelled"},
}

// Actions lists what actor can do with c now, with the reason for those it
// cannot (UI-GUIDE: unavailable actions are shown disabled with the reason).
type Action struct {
	Name, Label, Reason string
}

// Actions returns the status actions of c for its page.
func Actions(actor *identity.User, c *Campaign) []Action {
	out := []Action{
		{Name: "publish", Label: "发布"}, {Name: "start", Label: "开始活动"}, {Name: "end", Label: "结束活动"},
		{Name: "archive", Label: "归档"}, {Name: "cancel", Label: "取消活动"},
	}
	for i := range out {
		a := &out[i]
		switch {
		case !CanManage(actor, c):
			a.Reason = "只有活动创建人、门店经理或管理员可以操作"
		case a.Name == "publish" && c.Status != "draft":
			a.Reason = "只有草稿可以发布"
		case a.Name != "publish" && !contains(transitions[a.Name].from, c.Status):
			a.Reason = "活动" + c.StatusLabel() + "时不能" + a.Label
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Transition moves campaign id along the status machine by action (start,
// end, archive, cancel; publish is Publish). Cancelling needs a reason
// (Invalid on reason) and notifies everyone signed up or waitlisted. The
// move is a conditional update on the current status: a concurrent change
// is Conflict, as is an action the current status does not allow.
//
// Permissions as for Update.
func (s *Service) Transition(ctx context.Context, actor *identity.User, id int64, action, reason string) (*Campaign, error) {
	if err := staff(actor); err != nil {
		return nil, err
	}
	t, ok := transitions[action]
	if !ok {
		return nil, apperr.New(apperr.NotFound, "没有这个操作")
	}
	reason = strings.TrimSpace(reason)
	if action == "cancel" && (reason == "" || utf8.RuneCountInString(reason) > 200) {
		return nil, apperr.Field("reason", "请填写取消原因（不超过 200 字）")
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		c, err := s.managed(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if !contains(t.from, c.Status) {
			return apperr.New(apperr.Conflict, "活动"+c.StatusLabel()+"，不能执行这个操作")
		}
		res, err := tx.ExecContext(ctx, `UPDATE campaigns SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4`, t.to, now, id, c.Status)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errChanged
		}
		if action == "cancel" {
			if err := notifyParticipants(ctx, tx, c, "活动已取消："+c.Name, "很抱歉，活动已取消。原因："+reason, now); err != nil {
				return err
			}
		}
		if err := dropEffect(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "campaign_" + action, Entity: "campaigns", EntityID: id,
			Detail: map[string]any{"from": c.Status, "to": t.to, "reason": reason}})
	})
	if err != nil {
		return nil, err
	}
	return get(ctx, s.db, id)
}

// AdvanceStatuses starts published campaigns whose start time has come and
// ends running or published ones whose end time has passed; it returns how
// many changed. The system (the scheduled job) and admins may call it.
func (s *Service) AdvanceStatuses(ctx context.Context, actor *identity.User) (int, error) {
	if err := identity.Require(actor); err != nil {
		return 0, err
	}
	if !actor.Is(identity.RoleSystem, identity.RoleAdmin) {
		return 0, apperr.New(apperr.Forbidden, "只有系统可以推进活动状态")
	}
	now := s.now()
	var total int64
	for _, q := range []string{
		`UPDATE campaigns SET status = 'ended', updated_at = $1 WHERE status IN ('published', 'running') AND ends_at <= $1`,
		`UPDATE campaigns SET status = 'running', updated_at = $1 WHERE status = 'published' AND starts_at <= $1`,
	} {
		res, err := s.db.ExecContext(ctx, q, now)
		if err != nil {
			return int(total), err
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return int(total), nil
}

// KindCampaign is the notification kind of campaign messages.
const (
	KindInvite   notify.Kind = "campaign.invite"
	KindSignup   notify.Kind = "campaign.signup"
	KindPromoted notify.Kind = "campaign.promoted"
	KindReward   notify.Kind = "campaign.reward"
	KindNotice   notify.Kind = "campaign.notice"
)

// notifyParticipants tells everyone signed up or waitlisted for c.
func notifyParticipants(ctx context.Context, q db.Querier, c *Campaign, title, body string, now time.Time) error {
	rows, err := q.QueryContext(ctx, `SELECT customer_id FROM campaign_participations WHERE campaign_id = $1 AND status IN ('registered', 'waitlisted')`, c.ID)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := notify.NotifyCustomer(ctx, q, id, notify.Notification{Kind: KindNotice, Title: title, Body: body,
			Link: ownerLink(c.ID), CreatedAt: now}); err != nil {
			return err
		}
	}
	return nil
}

func ownerLink(id int64) string { return "/owner/campaigns/" + strconv.FormatInt(id, 10) }

// randomCode returns n characters from alphabet, uniformly.
func randomCode(alphabet string, n int) string {
	b := make([]byte, n)
	m := big.NewInt(int64(len(alphabet)))
	for i := range b {
		k, err := rand.Int(rand.Reader, m)
		if err != nil {
			panic(err)
		}
		b[i] = alphabet[k.Int64()]
	}
	return string(b)
}

// Sorts of the staff list.
var Sorts = listing.Orders{
	{Name: "starts_desc", Label: "开始时间（新到旧）", Key: "c.starts_at", ID: "c.id", Kind: listing.KeyTime, Desc: true},
	{Name: "starts_asc", Label: "开始时间（旧到新）", Key: "c.starts_at", ID: "c.id", Kind: listing.KeyTime},
	{Name: "created_desc", Label: "最近创建", Key: "c.created_at", ID: "c.id", Kind: listing.KeyTime, Desc: true},
}
