-- +goose Up
-- 营销活动 (internal/campaign), second part: the points ledger, the points a
-- referral earns, uploaded cover images and the cached effect figures.
-- Keep in step with ../postgres/00018_campaign_points.sql and docs/数据字典.md.

-- 推荐奖励积分: points the referrer earns when the referred friend buys.
ALTER TABLE campaigns ADD COLUMN referral_points INTEGER NOT NULL DEFAULT 0 CHECK (referral_points >= 0 AND referral_points <= 100000);

-- 积分流水: append-only; a balance is the sum of a customer's rows. Each
-- earning names its reason and the row that earned it (a participation for
-- check_in and sign_up, a campaign_referrals row for referral); the unique
-- (reason, source_id) makes a grant happen once however many try.
CREATE TABLE campaign_points (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    points       INTEGER NOT NULL CHECK (points <> 0),
    reason       TEXT NOT NULL CHECK (reason IN ('check_in', 'sign_up', 'referral')),
    source_id    INTEGER NOT NULL,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns (id),
    note         TEXT NOT NULL DEFAULT '',
    created_by   INTEGER REFERENCES users (id),
    created_at   DATETIME NOT NULL,
    UNIQUE (reason, source_id)
);
CREATE INDEX campaign_points_customer ON campaign_points (customer_id, created_at);
CREATE INDEX campaign_points_campaign ON campaign_points (campaign_id, created_at);
-- +goose StatementBegin
CREATE TRIGGER campaign_points_append_only_delete BEFORE DELETE ON campaign_points
BEGIN
    SELECT RAISE(ABORT, 'campaign_points is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER campaign_points_append_only_update BEFORE UPDATE OF points, reason, source_id, campaign_id, created_at ON campaign_points
BEGIN
    SELECT RAISE(ABORT, 'campaign_points is append-only');
END;
-- +goose StatementEnd

-- 活动封面图: an uploaded cover (campaigns.cover = 'upload'), re-encoded as
-- JPEG like the community's photos (community.ProcessUpload).
CREATE TABLE campaign_cover_images (
    campaign_id  INTEGER PRIMARY KEY REFERENCES campaigns (id),
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    image        BLOB NOT NULL,
    thumb        BLOB NOT NULL,
    created_by   INTEGER REFERENCES users (id),
    created_at   DATETIME NOT NULL
);

-- 活动效果缓存: the effect figures of a campaign (JSON of campaign.Effect)
-- as last computed; a change of the campaign's inputs deletes the row and
-- the campaign sweep recomputes the current campaigns' rows.
CREATE TABLE campaign_effect_cache (
    campaign_id  INTEGER PRIMARY KEY REFERENCES campaigns (id),
    effect       TEXT NOT NULL,
    computed_at  DATETIME NOT NULL
);

-- +goose Down
DROP TABLE campaign_effect_cache;
DROP TABLE campaign_cover_images;
DROP TRIGGER campaign_points_append_only_update;
DROP TRIGGER campaign_points_append_only_delete;
DROP TABLE campaign_points;
ALTER TABLE campaigns DROP COLUMN referral_points;
