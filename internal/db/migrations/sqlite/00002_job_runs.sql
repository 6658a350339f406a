-- +goose Up
-- 任务进度: who started a background job and how far it has come. Owned by
-- internal/jobs; the job itself lives in River's river_job (same id). Keep in
-- step with ../postgres/00002_job_runs.sql and docs/数据字典.md.
CREATE TABLE job_runs (
    job_id              INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL,
    started_by          INTEGER REFERENCES users (id),
    done                INTEGER NOT NULL DEFAULT 0 CHECK (done >= 0),
    total               INTEGER NOT NULL DEFAULT 0 CHECK (total >= 0),
    message             TEXT NOT NULL DEFAULT '',
    result              TEXT NOT NULL DEFAULT '',
    created_at          DATETIME NOT NULL,
    attempt_started_at  DATETIME,
    updated_at          DATETIME NOT NULL
);
CREATE INDEX job_runs_started_by ON job_runs (started_by, job_id);
