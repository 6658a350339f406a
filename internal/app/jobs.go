package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/jobs"
	"github.com/nevcrm/nevcrm/internal/leadscore"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/listing/xlsx"
	"github.com/nevcrm/nevcrm/internal/notify"
	"github.com/nevcrm/nevcrm/internal/report"
)

// SessionSweepArgs is the hourly job that deletes expired sessions and
// ended login counters (account.Service.Sweep).
type SessionSweepArgs struct{}

// Kind names the session sweep job.
func (SessionSweepArgs) Kind() string { return "session_sweep" }

// TaskRemindersArgs is the job that, every five minutes, reminds sales
// consultants of follow-up tasks that came due (sales.Service.SendTaskReminders).
type TaskRemindersArgs struct{}

// Kind names the task reminder job.
func (TaskRemindersArgs) Kind() string { return "task_reminders" }

// TicketAutoCloseArgs is the hourly job that closes support tickets
// resolved more than seven days ago without an answer from the owner
// (support.Service.CloseStale).
type TicketAutoCloseArgs struct{}

// Kind names the ticket auto-close job.
func (TicketAutoCloseArgs) Kind() string { return "ticket_auto_close" }

// CommentWordsArgs is the job that, every minute, recounts the comment
// words of the days whose ratings or feedback changed
// (report.Service.CountCommentWords).
type CommentWordsArgs struct{}

// Kind names the comment word job.
func (CommentWordsArgs) Kind() string { return "report_comment_words" }

// newJobs returns the job service with every kind of job registered and
// the scheduled ones planned. It does not start workers.
func newJobs(cfg *config.Config, logger *slog.Logger, d *db.DB, s *Services) (*jobs.Service, error) {
	js, err := jobs.New(d, jobs.Options{Logger: logger, Now: cfg.Now, Workers: cfg.JobWorkers})
	if err != nil {
		return nil, err
	}
	now := db.UTC(cfg.Now)
	jobs.Register(js, func(ctx context.Context, j *jobs.Job[SessionSweepArgs]) error {
		sessions, failures, err := s.Accounts.Sweep(ctx, identity.System(), now())
		if err != nil {
			return err
		}
		j.Progress.Set(ctx, sessions+failures, fmt.Sprintf("删除过期会话 %d 个、过期登录失败计数 %d 条", sessions, failures))
		return nil
	}, jobs.KindOptions{Title: "清理过期会话与登录失败计数", Timeout: 5 * time.Minute, MaxAttempts: 5})
	js.Schedule(time.Hour, SessionSweepArgs{})
	jobs.Register(js, func(ctx context.Context, j *jobs.Job[TaskRemindersArgs]) error {
		n, err := s.Sales.SendTaskReminders(ctx, identity.System())
		if err != nil {
			return err
		}
		j.Progress.Set(ctx, int64(n), fmt.Sprintf("发送跟进待办提醒 %d 条", n))
		return nil
	}, jobs.KindOptions{Title: "发送跟进待办提醒", Timeout: 5 * time.Minute, MaxAttempts: 3})
	js.Schedule(5*time.Minute, TaskRemindersArgs{})
	jobs.Register(js, func(ctx context.Context, j *jobs.Job[TicketAutoCloseArgs]) error {
		n, err := s.Support.CloseStale(ctx, identity.System())
		if err != nil {
			return err
		}
		j.Progress.Set(ctx, int64(n), fmt.Sprintf("自动关闭已解决 7 天未回复的客服工单 %d 个", n))
		return nil
	}, jobs.KindOptions{Title: "自动关闭已解决的客服工单", Timeout: 5 * time.Minute, MaxAttempts: 3})
	js.Schedule(time.Hour, TicketAutoCloseArgs{})
	jobs.Register(js, func(ctx context.Context, j *jobs.Job[CommentWordsArgs]) error {
		n, err := s.Reports.CountCommentWords(ctx)
		if err != nil {
			return err
		}
		j.Progress.Set(ctx, int64(n), fmt.Sprintf("重新统计 %d 天的评论高频词", n))
		return nil
	}, jobs.KindOptions{Title: "统计评论高频词", Timeout: time.Hour, MaxAttempts: 3})
	js.Schedule(time.Minute, CommentWordsArgs{})
	jobs.Register(js, func(ctx context.Context, j *jobs.Job[account.ExportUsersJob]) error {
		return exportUsers(ctx, d, js, s.Accounts, j)
	}, jobs.KindOptions{Title: "导出账号", Timeout: time.Hour, MaxAttempts: 3, Readers: []identity.Role{identity.RoleAdmin}})
	jobs.Register(js, func(ctx context.Context, j *jobs.Job[customer.ExportJob]) error {
		return exportCustomers(ctx, d, js, s, j)
	}, jobs.KindOptions{Title: "导出客户", Timeout: time.Hour, MaxAttempts: 3, Readers: []identity.Role{identity.RoleSales, identity.RoleAdmin}})
	jobs.Register(js, func(ctx context.Context, j *jobs.Job[report.RowsExportJob]) error {
		return exportReportRows(ctx, d, js, s, j)
	}, jobs.KindOptions{Title: "导出报表明细", Timeout: time.Hour, MaxAttempts: 3,
		Readers: []identity.Role{identity.RoleSales, identity.RoleService, identity.RoleAdmin}})
	jobs.Register(js, func(ctx context.Context, j *jobs.Job[customer.ImportJob]) error {
		return importCustomers(ctx, d, js, s, j)
	}, jobs.KindOptions{Title: "导入客户或线索", Timeout: time.Hour, MaxAttempts: 1, Readers: []identity.Role{identity.RoleSales, identity.RoleAdmin}})
	registerCampaignJobs(js, s)
	return js, nil
}

// registerLeadJobs registers lead-model training, lead scoring and the
// nightly owner scoring, and the sweep every 10 minutes that rescores the open leads changed since their
// score (a safety net behind the sales service's change notices, and what
// scores leads created by imports).
func registerLeadJobs(js *jobs.Service, ls *leadscore.Service) {
	jobs.Register(js, ls.RunTrain, jobs.KindOptions{Title: "训练线索评分模型", Timeout: time.Hour, MaxAttempts: 2, Readers: []identity.Role{identity.RoleAdmin}})
	jobs.Register(js, ls.RunScore, jobs.KindOptions{Title: "线索评分", Timeout: time.Hour, MaxAttempts: 3, Readers: []identity.Role{identity.RoleAdmin}})
	js.Schedule(10*time.Minute, leadscore.ScoreJob{Stale: true})
	jobs.Register(js, ls.RunOwnerScore, jobs.KindOptions{Title: "车主挖掘评分", Timeout: time.Hour, MaxAttempts: 2, Readers: []identity.Role{identity.RoleAdmin}})
	js.Schedule(24*time.Hour, leadscore.OwnerScoreJob{})
}

// stopJobs lets running jobs finish for up to 10 s, then cancels them (they
// run again in the next process that works jobs).
func (a *App) stopJobs() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return a.Jobs.Stop(ctx)
}

// exportUsers runs a large account export as the admin who asked for it,
// reporting rows done out of the exact count, into the job's file.
func exportUsers(ctx context.Context, d *db.DB, js *jobs.Service, accounts *account.Service, j *jobs.Job[account.ExportUsersJob]) error {
	actor, err := accounts.User(ctx, j.StartedBy)
	if err != nil {
		return err
	}
	if !actor.Active {
		// ExportUsers checks the role; a disabled account exports nothing.
		return apperr.New(apperr.Forbidden, "发起导出的账号已停用")
	}
	format, err := listing.ParseFormat(j.Args.Format)
	if err != nil {
		return err
	}
	total, err := accounts.CountUsers(ctx, actor, j.Args.Filter)
	if err != nil {
		return err
	}
	if format == listing.XLSX && total > xlsx.MaxRows {
		return xlsx.ErrTooManyRows
	}
	j.Progress.SetTotal(ctx, int64(total))
	name := account.ExportFileName(time.Now(), string(format))
	f, err := jobs.File(ctx, js, j, name)
	if err != nil {
		return err
	}
	w, err := xlsx.Open(format, f)
	if err != nil {
		return err
	}
	rows, err := accounts.ExportUsers(ctx, actor, j.Args.Filter, &countingWriter{Writer: w, ctx: ctx, p: j.Progress})
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	msg := fmt.Sprintf("已导出 %d 个账号", rows)
	j.Progress.Message(ctx, msg)
	// The admin may have left the page: the bell says the file is ready.
	return notify.Notify(ctx, d, notify.Notification{UserID: actor.ID, Kind: notify.JobCompleted,
		Title: "账号导出已完成", Body: msg + "，文件 " + name + " 可在任务页下载", Link: "/jobs/" + strconv.FormatInt(j.ID, 10)})
}

// countingWriter reports each row written as one unit of progress.
type countingWriter struct {
	listing.Writer
	ctx context.Context
	p   *jobs.Progress
}

func (w *countingWriter) WriteRow(cells ...any) error {
	if err := w.Writer.WriteRow(cells...); err != nil {
		return err
	}
	w.p.Add(w.ctx, 1)
	return nil
}

// exportCustomers runs a large customer export as the user who asked for
// it (still active, with the same permissions), reporting rows done out of
// the exact count, into the job's file.
func exportCustomers(ctx context.Context, d *db.DB, js *jobs.Service, s *Services, j *jobs.Job[customer.ExportJob]) error {
	actor, err := s.Accounts.User(ctx, j.StartedBy)
	if err != nil {
		return err
	}
	if !actor.Active {
		return apperr.New(apperr.Forbidden, "发起导出的账号已停用")
	}
	format, err := listing.ParseFormat(j.Args.Format)
	if err != nil {
		return err
	}
	total, err := s.Customers.CountMatching(ctx, actor, j.Args.Filter)
	if err != nil {
		return err
	}
	if format == listing.XLSX && total > xlsx.MaxRows {
		return xlsx.ErrTooManyRows
	}
	j.Progress.SetTotal(ctx, total)
	name := customer.ExportFileName(time.Now(), string(format))
	f, err := jobs.File(ctx, js, j, name)
	if err != nil {
		return err
	}
	w, err := xlsx.Open(format, f)
	if err != nil {
		return err
	}
	rows, err := s.Customers.Export(ctx, actor, j.Args.Filter, &countingWriter{Writer: w, ctx: ctx, p: j.Progress})
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	msg := fmt.Sprintf("已导出 %d 位客户", rows)
	j.Progress.Message(ctx, msg)
	return notify.Notify(ctx, d, notify.Notification{UserID: actor.ID, Kind: notify.JobCompleted,
		Title: "客户导出已完成", Body: msg + "，文件 " + name + " 可在任务页下载", Link: "/jobs/" + strconv.FormatInt(j.ID, 10)})
}

// exportReportRows runs a large drill-down export as the user who asked
// for it (still active, with the same permissions), reporting rows done out
// of the exact count, into the job's file.
func exportReportRows(ctx context.Context, d *db.DB, js *jobs.Service, s *Services, j *jobs.Job[report.RowsExportJob]) error {
	actor, err := s.Accounts.User(ctx, j.StartedBy)
	if err != nil {
		return err
	}
	if !actor.Active {
		return apperr.New(apperr.Forbidden, "发起导出的账号已停用")
	}
	format, err := listing.ParseFormat(j.Args.Format)
	if err != nil {
		return err
	}
	q, err := url.ParseQuery(j.Args.Query)
	if err != nil {
		return apperr.New(apperr.Invalid, "明细条件无效")
	}
	e, err := s.Reports.DrillExport(ctx, actor, j.Args.Family, q, true)
	if err != nil {
		return err
	}
	if format == listing.XLSX && e.Total.N > xlsx.MaxRows {
		return xlsx.ErrTooManyRows
	}
	j.Progress.SetTotal(ctx, int64(e.Total.N))
	name := e.FileName(string(format))
	f, err := jobs.File(ctx, js, j, name)
	if err != nil {
		return err
	}
	w, err := xlsx.Open(format, f)
	if err != nil {
		return err
	}
	rows, err := e.Write(ctx, &countingWriter{Writer: w, ctx: ctx, p: j.Progress})
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	msg := fmt.Sprintf("已导出%s %d 行", e.Title, rows)
	j.Progress.Message(ctx, msg)
	return notify.Notify(ctx, d, notify.Notification{UserID: actor.ID, Kind: notify.JobCompleted,
		Title: e.Title + "导出已完成", Body: msg + "，文件 " + name + " 可在任务页下载", Link: "/jobs/" + strconv.FormatInt(j.ID, 10)})
}

// importCustomers checks (Dry) or imports an uploaded customer or lead file as the
// user who uploaded it, with its progress on the job page and the rejected
// rows in a downloadable report; the finished import notifies the user.
func importCustomers(ctx context.Context, d *db.DB, js *jobs.Service, s *Services, j *jobs.Job[customer.ImportJob]) error {
	actor, err := s.Accounts.User(ctx, j.StartedBy)
	if err != nil {
		return err
	}
	if !actor.Active {
		return apperr.New(apperr.Forbidden, "发起导入的账号已停用")
	}
	id := j.Args.ImportID
	up, err := s.Customers.GetImport(ctx, actor, id)
	if err != nil {
		return err
	}
	imp, what := customer.Importer(s.Customers.Import), "客户"
	if up.Target == "leads" {
		imp, what = s.Sales.ImportLeads, "线索"
	}
	f, err := jobs.File(ctx, js, j, fmt.Sprintf("%s导入%d-错误报告.csv", what, id))
	if err != nil {
		return err
	}
	verb := map[bool]string{true: "检查", false: "导入"}[j.Args.Dry]
	res, err := s.Customers.RunImport(ctx, actor, id, j.Args.Dry, imp, func(done int) {
		j.Progress.Set(ctx, int64(done), fmt.Sprintf("已%s %d 行", verb, done))
	}, f)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	msg := fmt.Sprintf("共 %d 行：新建 %d、更新 %d、跳过 %d、有误 %d", res.Rows, res.Created, res.Updated, res.Skipped, res.ErrorRows)
	if j.Args.Dry {
		msg = fmt.Sprintf("检查完成，共 %d 行：将新建 %d、更新 %d、跳过 %d，有误 %d 行（不会导入）", res.Rows, res.Created, res.Updated, res.Skipped, res.ErrorRows)
	}
	j.Progress.Set(ctx, int64(res.Rows), msg)
	if j.Args.Dry {
		return nil
	}
	return notify.Notify(ctx, d, notify.Notification{UserID: actor.ID, Kind: notify.JobCompleted,
		Title: what + "导入已完成", Body: msg, Link: "/sales/customer-imports/" + strconv.FormatInt(id, 10)})
}
