-- +goose Up
-- 任务输出文件: the file a background job leaves for its reader (an export),
-- stored in the database in chunks so that any process can serve it and no
-- process needs shared disk. Owned by internal/jobs. Keep in step with
-- ../sqlite/00005_job_files.sql and docs/数据字典.md.
CREATE TABLE job_file_chunks (
    job_id  BIGINT NOT NULL,
    seq     BIGINT NOT NULL CHECK (seq >= 0),
    data    BYTEA NOT NULL,
    PRIMARY KEY (job_id, seq)
);
