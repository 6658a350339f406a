-- +goose Up
-- Lead and owner scoring (internal/leadscore): model versions with their
-- validation report, the current score of every open lead with its
-- reasons, imported lead history from another system, and owner scores
-- (referral, second car, service churn). Keep in step with
-- ../postgres/00015_lead_scoring.sql and docs/数据字典.md.

-- 历史线索导入（来自其他系统的已结案线索）
CREATE TABLE lead_history_imports (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    file_name    TEXT NOT NULL,
    outcome_col  TEXT NOT NULL,
    id_col       TEXT NOT NULL DEFAULT '',
    excluded     TEXT NOT NULL DEFAULT '[]',   -- JSON: column names left out
    columns      TEXT NOT NULL,                -- JSON: [{name, label, kind}]
    n_rows       INTEGER NOT NULL CHECK (n_rows >= 0),
    n_pos        INTEGER NOT NULL CHECK (n_pos >= 0),
    skipped      INTEGER NOT NULL DEFAULT 0,
    created_by   INTEGER REFERENCES users (id),
    created_at   DATETIME NOT NULL
);

CREATE TABLE lead_history_rows (
    import_id  INTEGER NOT NULL REFERENCES lead_history_imports (id) ON DELETE CASCADE,
    row_no     INTEGER NOT NULL,
    ext_id     TEXT NOT NULL DEFAULT '',
    outcome    INTEGER NOT NULL CHECK (outcome IN (0, 1)),
    vals       TEXT NOT NULL,                  -- JSON array of cell texts, in the order of columns
    PRIMARY KEY (import_id, row_no)
);

-- 评分模型版本
CREATE TABLE lead_score_models (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    target        TEXT NOT NULL CHECK (target IN ('lead', 'history', 'churn')),
    history_id    INTEGER REFERENCES lead_history_imports (id) ON DELETE SET NULL,
    family        TEXT NOT NULL CHECK (family IN ('logreg', 'gbdt')),
    active        BOOLEAN NOT NULL DEFAULT 0,
    features      TEXT NOT NULL,               -- JSON: the input columns
    train_from    DATETIME,
    train_to      DATETIME,
    n_train       INTEGER NOT NULL,
    n_valid       INTEGER NOT NULL,
    n_pos         INTEGER NOT NULL,
    auc           REAL NOT NULL,
    report        TEXT NOT NULL,               -- JSON: families compared, lift, calibration
    model         TEXT NOT NULL,               -- JSON: encoder and fitted model
    created_by    INTEGER REFERENCES users (id),
    created_at    DATETIME NOT NULL,
    activated_at  DATETIME
);
CREATE UNIQUE INDEX lead_score_models_one_active ON lead_score_models (target) WHERE active;
CREATE INDEX lead_score_models_created ON lead_score_models (target, created_at, id);

-- 线索评分（每条未结案线索的当前评分）
CREATE TABLE lead_scores (
    lead_id    INTEGER PRIMARY KEY REFERENCES leads (id) ON DELETE CASCADE,
    model_id   INTEGER REFERENCES lead_score_models (id) ON DELETE SET NULL,
    score      INTEGER NOT NULL CHECK (score >= 0 AND score <= 100),
    band       TEXT NOT NULL CHECK (band IN ('hot', 'warm', 'cold')),
    reasons    TEXT NOT NULL DEFAULT '[]',     -- JSON: [{col, text, effect}]
    scored_at  DATETIME NOT NULL
);
CREATE INDEX lead_scores_model ON lead_scores (model_id);
CREATE INDEX leads_store_score ON leads (store_id, score, id);

-- 车主挖掘评分：转介绍、增购/换购、售后流失风险
CREATE TABLE owner_scores (
    customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('referral', 'second_car', 'churn')),
    score        INTEGER NOT NULL CHECK (score >= 0 AND score <= 100),
    band         TEXT NOT NULL CHECK (band IN ('hot', 'warm', 'cold')),
    reasons      TEXT NOT NULL DEFAULT '[]',
    method       TEXT NOT NULL DEFAULT '',
    scored_at    DATETIME NOT NULL,
    PRIMARY KEY (customer_id, kind)
);
CREATE INDEX owner_scores_kind_score ON owner_scores (kind, score, customer_id);

-- +goose Down
DROP TABLE owner_scores;
DROP INDEX leads_store_score;
DROP TABLE lead_scores;
DROP TABLE lead_score_models;
DROP TABLE lead_history_rows;
DROP TABLE lead_history_imports;
