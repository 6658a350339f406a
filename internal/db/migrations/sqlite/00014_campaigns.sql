-- +goose Up
-- 营销活动 (internal/campaign): campaigns with their sign-up window, capacity
-- and waitlist, benefit, hold-out share and attribution window; cost lines,
-- segment rules, the audience snapshot taken at publishing (target and
-- hold-out), sign-ups with check-in codes, referral codes and referrals, and
-- coupons redeemed on a work order (work_orders.discount_fen).
-- Keep in step with ../postgres/00014_campaigns.sql and docs/数据字典.md.
--
-- SQLite cannot change a CHECK constraint in place: campaigns and
-- campaign_participations are rebuilt. Leads refer to campaigns, so the
-- foreign keys are deferred to the commit; re-inserting the campaign rows
-- under the same name gives the orphaned leads their parent back before it.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE campaigns_copy AS SELECT * FROM campaigns;
CREATE TEMP TABLE campaign_participations_copy AS SELECT * FROM campaign_participations;
DROP TABLE campaign_participations;
DROP TABLE campaigns;

CREATE TABLE campaigns (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    name               TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('test_drive_event', 'owner_event', 'referral', 'charging_promo', 'service_promo', 'launch', 'discount', 'online')),
    channel            TEXT NOT NULL DEFAULT 'offline' CHECK (channel IN ('offline', 'online', 'app')),
    store_id           INTEGER REFERENCES sites (id),
    city               TEXT NOT NULL DEFAULT '',
    description        TEXT NOT NULL DEFAULT '',
    starts_at          DATETIME NOT NULL,
    ends_at            DATETIME NOT NULL,
    budget_fen         INTEGER NOT NULL DEFAULT 0 CHECK (budget_fen >= 0),
    cost_fen           INTEGER NOT NULL DEFAULT 0 CHECK (cost_fen >= 0),
    capacity           INTEGER NOT NULL DEFAULT 0 CHECK (capacity >= 0),
    status             TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'running', 'ended', 'archived', 'cancelled')),
    created_by         INTEGER REFERENCES users (id),
    created_at         DATETIME NOT NULL,
    cover              TEXT NOT NULL DEFAULT '',
    place              TEXT NOT NULL DEFAULT '',
    signup_opens_at    DATETIME,
    signup_closes_at   DATETIME,
    seats_taken        INTEGER NOT NULL DEFAULT 0 CHECK (seats_taken >= 0),
    waitlist           BOOLEAN NOT NULL DEFAULT 1,
    benefit_kind       TEXT NOT NULL DEFAULT 'none' CHECK (benefit_kind IN ('none', 'points', 'coupon', 'gift')),
    benefit_text       TEXT NOT NULL DEFAULT '',
    benefit_points     INTEGER NOT NULL DEFAULT 0 CHECK (benefit_points >= 0),
    coupon_value_fen   INTEGER NOT NULL DEFAULT 0 CHECK (coupon_value_fen >= 0),
    coupon_valid_days  INTEGER NOT NULL DEFAULT 90 CHECK (coupon_valid_days >= 1 AND coupon_valid_days <= 730),
    referral_reward    TEXT NOT NULL DEFAULT '',
    holdout_pct        INTEGER NOT NULL DEFAULT 10 CHECK (holdout_pct >= 0 AND holdout_pct <= 50),
    attribution_days   INTEGER NOT NULL DEFAULT 30 CHECK (attribution_days >= 1 AND attribution_days <= 180),
    audience_size      INTEGER NOT NULL DEFAULT 0 CHECK (audience_size >= 0),
    holdout_size       INTEGER NOT NULL DEFAULT 0 CHECK (holdout_size >= 0),
    no_consent_size    INTEGER NOT NULL DEFAULT 0 CHECK (no_consent_size >= 0),
    reached_count      INTEGER NOT NULL DEFAULT 0 CHECK (reached_count >= 0),
    publish_job_id     INTEGER,
    published_at       DATETIME,
    updated_at         DATETIME,
    CHECK (ends_at >= starts_at),
    CONSTRAINT campaigns_seats CHECK (capacity = 0 OR seats_taken <= capacity)
);
INSERT INTO campaigns (id, name, kind, channel, store_id, city, description, starts_at, ends_at, budget_fen, cost_fen, capacity,
        status, created_by, created_at, updated_at)
    SELECT id, name, kind, channel, store_id, city, description, starts_at, ends_at, budget_fen, cost_fen, capacity,
        CASE status WHEN 'active' THEN 'running' ELSE status END, created_by, created_at, created_at
    FROM campaigns_copy;
CREATE INDEX campaigns_status_starts ON campaigns (status, starts_at);
CREATE INDEX campaigns_store_starts ON campaigns (store_id, starts_at);

CREATE TABLE campaign_participations (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id    INTEGER NOT NULL REFERENCES campaigns (id),
    customer_id    INTEGER NOT NULL REFERENCES customers (id),
    status         TEXT NOT NULL DEFAULT 'registered' CHECK (status IN ('registered', 'waitlisted', 'attended', 'cancelled')),
    joined_at      DATETIME NOT NULL,
    attended_at    DATETIME,
    promoted_at    DATETIME,
    cancelled_at   DATETIME,
    checked_in_by  INTEGER REFERENCES users (id),
    check_in_code  TEXT NOT NULL DEFAULT '',
    UNIQUE (campaign_id, customer_id)
);
INSERT INTO campaign_participations (id, campaign_id, customer_id, status, joined_at, attended_at)
    SELECT id, campaign_id, customer_id, CASE status WHEN 'converted' THEN 'attended' ELSE status END, joined_at,
        CASE WHEN status = 'converted' THEN COALESCE(attended_at, converted_at) ELSE attended_at END
    FROM campaign_participations_copy;
UPDATE campaign_participations SET check_in_code = substr('000000' || ((id * 7919) % 1000000), -6);
DROP TABLE campaign_participations_copy;
DROP TABLE campaigns_copy;
CREATE INDEX campaign_participations_customer ON campaign_participations (customer_id);
CREATE INDEX campaign_participations_queue ON campaign_participations (campaign_id, status, joined_at);
CREATE UNIQUE INDEX campaign_participations_code ON campaign_participations (campaign_id, check_in_code) WHERE check_in_code <> '';

-- 活动费用: the actual cost lines; campaigns.cost_fen is their sum.
CREATE TABLE campaign_costs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns (id),
    item         TEXT NOT NULL CHECK (length(item) >= 1),
    amount_fen   INTEGER NOT NULL CHECK (amount_fen > 0),
    spent_on     DATE NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    created_by   INTEGER REFERENCES users (id),
    created_at   DATETIME NOT NULL
);
CREATE INDEX campaign_costs_campaign ON campaign_costs (campaign_id, spent_on);

-- 人群规则: one condition each; a customer is in the segment when every rule holds.
CREATE TABLE campaign_segment_rules (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns (id),
    field        TEXT NOT NULL,
    op           TEXT NOT NULL,
    value        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX campaign_segment_rules_campaign ON campaign_segment_rules (campaign_id);

-- 活动受众: the segment as it was at publishing; hold-out members are not contacted.
CREATE TABLE campaign_audience (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns (id),
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    arm          TEXT NOT NULL CHECK (arm IN ('target', 'holdout')),
    added_at     DATETIME NOT NULL,
    notified_at  DATETIME,
    PRIMARY KEY (campaign_id, customer_id)
);
CREATE INDEX campaign_audience_customer ON campaign_audience (customer_id);

-- 推荐码: an owner's personal code of a campaign.
CREATE TABLE campaign_referral_codes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns (id),
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    code         TEXT NOT NULL UNIQUE,
    created_at   DATETIME NOT NULL,
    UNIQUE (campaign_id, customer_id)
);

-- 转介绍: a friend's lead through a referral code, rewarded when the friend buys.
CREATE TABLE campaign_referrals (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id     INTEGER NOT NULL REFERENCES campaigns (id),
    code_id         INTEGER NOT NULL REFERENCES campaign_referral_codes (id),
    referrer_id     INTEGER NOT NULL REFERENCES customers (id),
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    lead_id         INTEGER NOT NULL UNIQUE REFERENCES leads (id),
    created_at      DATETIME NOT NULL,
    order_id        INTEGER REFERENCES vehicle_orders (id),
    rewarded_at     DATETIME
);
CREATE INDEX campaign_referrals_referrer ON campaign_referrals (referrer_id);
CREATE INDEX campaign_referrals_customer ON campaign_referrals (customer_id);
CREATE INDEX campaign_referrals_campaign ON campaign_referrals (campaign_id);

-- 活动券: issued by a campaign, redeemed once on a service work order.
CREATE TABLE campaign_coupons (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id     INTEGER NOT NULL REFERENCES campaigns (id),
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    code            TEXT NOT NULL UNIQUE,
    value_fen       INTEGER NOT NULL CHECK (value_fen > 0),
    reason          TEXT NOT NULL DEFAULT 'benefit' CHECK (reason IN ('benefit', 'referral')),
    status          TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'redeemed', 'void')),
    issued_at       DATETIME NOT NULL,
    expires_at      DATETIME NOT NULL,
    redeemed_at     DATETIME,
    work_order_id   INTEGER UNIQUE REFERENCES work_orders (id),
    redeemed_by     INTEGER REFERENCES users (id)
);
CREATE INDEX campaign_coupons_customer ON campaign_coupons (customer_id, status);
CREATE INDEX campaign_coupons_campaign ON campaign_coupons (campaign_id);

-- The coupon seam of the work order (docs/系统设计.md §2.7): a redeemed
-- coupon lowers what the owner pays.
ALTER TABLE work_orders ADD COLUMN discount_fen INTEGER NOT NULL DEFAULT 0 CHECK (discount_fen >= 0);

-- The live audience count (campaign.CountSegment): a covering index of the
-- customer columns the segment rules read (live customers only), and of the
-- vehicle columns, so that a count reads index pages, not table rows.
CREATE INDEX customers_segment ON customers (kind, city, stage, consent_marketing, preferred_model_id, erased_at, merged_into_id)
    WHERE erased_at IS NULL AND merged_into_id IS NULL;
CREATE INDEX vehicles_segment ON vehicles (customer_id, model_id, battery_soh, mileage_km, purchased_on);
-- The leads a campaign brought (attribution on the campaign's page).
CREATE INDEX leads_campaign ON leads (campaign_id) WHERE campaign_id IS NOT NULL;

-- +goose Down
DROP INDEX leads_campaign;
DROP INDEX vehicles_segment;
DROP INDEX customers_segment;
ALTER TABLE work_orders DROP COLUMN discount_fen;
DROP TABLE campaign_coupons;
DROP TABLE campaign_referrals;
DROP TABLE campaign_referral_codes;
DROP TABLE campaign_audience;
DROP TABLE campaign_segment_rules;
DROP TABLE campaign_costs;
