-- +goose Up
-- 车友圈 (internal/community): moderation state, replies, edits, the hot
-- score of posts; profiles (nickname and car badge), favourites, photos
-- stored in the database (every serve process sees them), the bigram search
-- index, reports, banned words and mutes. Official content (internal/content)
-- gains pinning, scheduling and withdrawal.
-- Keep in step with ../postgres/00012_community.sql and docs/数据字典.md.

ALTER TABLE posts ADD COLUMN moderation TEXT NOT NULL DEFAULT '' CHECK (moderation IN ('', 'held', 'hidden', 'deleted'));
ALTER TABLE posts ADD COLUMN moderation_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN moderated_by INTEGER REFERENCES users (id);
ALTER TABLE posts ADD COLUMN moderated_at DATETIME;
ALTER TABLE posts ADD COLUMN edited_at DATETIME;
ALTER TABLE posts ADD COLUMN photo_count INTEGER NOT NULL DEFAULT 0 CHECK (photo_count BETWEEN 0 AND 9);
ALTER TABLE posts ADD COLUMN favorite_count INTEGER NOT NULL DEFAULT 0 CHECK (favorite_count >= 0);
ALTER TABLE posts ADD COLUMN hot_score INTEGER NOT NULL DEFAULT 0;
-- Topics become codes (community.Topics); older free-text topics are mapped.
UPDATE posts SET topic = CASE topic WHEN '充电换电' THEN 'charging' WHEN '自驾游记' THEN 'trip' WHEN '自驾出行' THEN 'trip'
    WHEN '车型' THEN 'model' WHEN '提车作业' THEN 'model' WHEN '城市' THEN 'city' ELSE 'experience' END;
CREATE INDEX posts_feed_latest ON posts (status, created_at, id);
CREATE INDEX posts_feed_hot ON posts (status, hot_score, id);
CREATE INDEX posts_topic_latest ON posts (topic, status, created_at, id);

ALTER TABLE comments ADD COLUMN parent_id INTEGER REFERENCES comments (id);
ALTER TABLE comments ADD COLUMN moderation TEXT NOT NULL DEFAULT '' CHECK (moderation IN ('', 'held', 'hidden', 'deleted', 'removed'));
ALTER TABLE comments ADD COLUMN moderation_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE comments ADD COLUMN moderated_by INTEGER REFERENCES users (id);
ALTER TABLE comments ADD COLUMN moderated_at DATETIME;
ALTER TABLE comments ADD COLUMN edited_at DATETIME;
CREATE INDEX comments_parent ON comments (parent_id);

-- 车友资料: the nickname and car badge shown instead of name, mobile or plate.
CREATE TABLE community_profiles (
    customer_id  INTEGER PRIMARY KEY REFERENCES customers (id),
    nickname     TEXT NOT NULL UNIQUE,
    badge        TEXT NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);

-- 收藏
CREATE TABLE post_favorites (
    post_id      INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    created_at   DATETIME NOT NULL,
    PRIMARY KEY (post_id, customer_id)
);
CREATE INDEX post_favorites_customer ON post_favorites (customer_id, created_at);

-- 帖子图片: re-encoded JPEG and its thumbnail, in the database.
CREATE TABLE post_photos (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id       INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL CHECK (position BETWEEN 0 AND 8),
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    image         BLOB NOT NULL,
    thumb         BLOB NOT NULL,
    created_at    DATETIME NOT NULL
);
CREATE INDEX post_photos_post ON post_photos (post_id, position);

-- 搜索索引: character bigrams (and latin words) of a post's title, body and comments.
CREATE TABLE post_terms (
    term     TEXT NOT NULL,
    post_id  INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    weight   REAL NOT NULL,
    PRIMARY KEY (term, post_id)
) WITHOUT ROWID;
CREATE INDEX post_terms_post ON post_terms (post_id);

-- 举报
CREATE TABLE community_reports (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id               INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    comment_id            INTEGER REFERENCES comments (id) ON DELETE CASCADE,
    target                TEXT NOT NULL,
    reporter_customer_id  INTEGER NOT NULL REFERENCES customers (id),
    reason                TEXT NOT NULL CHECK (reason IN ('spam', 'abuse', 'illegal', 'privacy', 'other')),
    detail                TEXT NOT NULL DEFAULT '',
    status                TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'actioned', 'dismissed')),
    handled_by            INTEGER REFERENCES users (id),
    handled_at            DATETIME,
    created_at            DATETIME NOT NULL,
    UNIQUE (target, reporter_customer_id)
);
CREATE INDEX community_reports_status ON community_reports (status, created_at);
CREATE INDEX community_reports_target ON community_reports (target);

-- 敏感词
CREATE TABLE community_banned_words (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    word        TEXT NOT NULL UNIQUE,
    action      TEXT NOT NULL CHECK (action IN ('block', 'hold')),
    created_by  INTEGER REFERENCES users (id),
    created_at  DATETIME NOT NULL
);

-- 禁言
CREATE TABLE community_mutes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    until        DATETIME NOT NULL,
    reason       TEXT NOT NULL,
    created_by   INTEGER REFERENCES users (id),
    created_at   DATETIME NOT NULL
);
CREATE INDEX community_mutes_customer ON community_mutes (customer_id, until);

-- 官方内容: pinning, withdrawal, announcement drafts.
ALTER TABLE news ADD COLUMN pinned BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE news ADD COLUMN withdrawn_at DATETIME;
ALTER TABLE news ADD COLUMN updated_at DATETIME;
ALTER TABLE announcements ADD COLUMN status TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('draft', 'published', 'withdrawn'));
ALTER TABLE announcements ADD COLUMN updated_at DATETIME;

-- +goose Down
ALTER TABLE announcements DROP COLUMN updated_at;
ALTER TABLE announcements DROP COLUMN status;
ALTER TABLE news DROP COLUMN updated_at;
ALTER TABLE news DROP COLUMN withdrawn_at;
ALTER TABLE news DROP COLUMN pinned;
DROP TABLE community_mutes;
DROP TABLE community_banned_words;
DROP TABLE community_reports;
DROP TABLE post_terms;
DROP TABLE post_photos;
DROP TABLE post_favorites;
DROP TABLE community_profiles;
DROP INDEX comments_parent;
ALTER TABLE comments DROP COLUMN edited_at;
ALTER TABLE comments DROP COLUMN moderated_at;
ALTER TABLE comments DROP COLUMN moderated_by;
ALTER TABLE comments DROP COLUMN moderation_reason;
ALTER TABLE comments DROP COLUMN moderation;
ALTER TABLE comments DROP COLUMN parent_id;
DROP INDEX posts_topic_latest;
DROP INDEX posts_feed_hot;
DROP INDEX posts_feed_latest;
ALTER TABLE posts DROP COLUMN hot_score;
ALTER TABLE posts DROP COLUMN favorite_count;
ALTER TABLE posts DROP COLUMN photo_count;
ALTER TABLE posts DROP COLUMN edited_at;
ALTER TABLE posts DROP COLUMN moderated_at;
ALTER TABLE posts DROP COLUMN moderated_by;
ALTER TABLE posts DROP COLUMN moderation_reason;
ALTER TABLE posts DROP COLUMN moderation;
