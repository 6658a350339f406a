package jobs

import (
	"bytes"
	"context"
	"database/sql"
	"io"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// fileChunk is the size of one stored piece of a job's output file.
const fileChunk = 1 << 20

// FileWriter stores a job's output file in the database, one chunk at a
// time, so that memory stays flat whatever the file's size and any process
// can serve the file. Close stores the last chunk and records name as the
// job's result.
type FileWriter struct {
	s    *Service
	ctx  context.Context
	job  int64
	name string
	buf  bytes.Buffer
	seq  int64
	err  error
	prog *Progress
}

// File starts the output file name of job (replacing what an earlier
// attempt stored). Handlers write their export to it and Close it.
func File[T Args](ctx context.Context, s *Service, job *Job[T], name string) (*FileWriter, error) {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM job_file_chunks WHERE job_id = $1`, job.ID); err != nil {
		return nil, err
	}
	return &FileWriter{s: s, ctx: ctx, job: job.ID, name: name, prog: job.Progress}, nil
}

// Write buffers p and stores every full chunk.
func (w *FileWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.buf.Write(p)
	for w.buf.Len() >= fileChunk && w.err == nil {
		w.err = w.store(w.buf.Next(fileChunk))
	}
	return len(p), w.err
}

func (w *FileWriter) store(b []byte) error {
	_, err := w.s.db.ExecContext(w.ctx, `INSERT INTO job_file_chunks (job_id, seq, data) VALUES ($1, $2, $3)`, w.job, w.seq, b)
	w.seq++
	return err
}

// Close stores what is left and names the file as the job's result.
func (w *FileWriter) Close() error {
	if w.err == nil && (w.buf.Len() > 0 || w.seq == 0) {
		w.err = w.store(w.buf.Bytes())
		w.buf.Reset()
	}
	if w.err != nil {
		return w.err
	}
	w.prog.Result(w.ctx, w.name)
	return w.prog.Flush(w.ctx)
}

// OpenFile returns the output file of job id with its information, to the
// job's starter, an admin or the system (NotFound for anyone else, as Get).
// A job that has left no file (yet) is NotFound. The caller closes the
// reader; it reads the chunks one at a time.
func (s *Service) OpenFile(ctx context.Context, actor *identity.User, id int64) (*Info, io.ReadCloser, error) {
	info, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	if info.State != Completed || info.Result == "" {
		return nil, nil, apperr.New(apperr.NotFound, "任务尚未生成文件")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT data FROM job_file_chunks WHERE job_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, nil, err
	}
	return info, &chunkReader{rows: rows}, nil
}

// chunkReader reads a file's chunks from rows in order.
type chunkReader struct {
	rows *sql.Rows
	cur  []byte
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if !r.rows.Next() {
			if err := r.rows.Err(); err != nil {
				return 0, err
			}
			return 0, io.EOF
		}
		if err := r.rows.Scan(&r.cur); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

func (r *chunkReader) Close() error { return r.rows.Close() }
