-- +goose Up
-- 任务输出文件: the file a background job leaves for its reader (an export),
-- stored in the database in chunks so that any process can serve it and no
-- process needs shared disk. Owned by internal/jobs. Keep in step with
-- ../postgres/00005_job_files.sql and docs/数据字典.md.
CREATE TABLE job_file_chunks (
    job_id  INTEGER NOT NULL,
    seq     INTEGER NOT NULL CHECK (seq >= 0),
    data    BLOB NOT NULL,
    PRIMARY KEY (job_id, seq)
);
