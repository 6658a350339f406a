// Command nevcrm is the NEV CRM server and its tools.
//
//	nevcrm serve [--addr 127.0.0.1:8080] [--db nevcrm.db|postgres://...] [--demo] [--metrics-addr 127.0.0.1:9090] [--no-worker]
//	nevcrm worker [--db ...] [--job-workers N]
//	nevcrm migrate [--db ...]
//	nevcrm user add --username U --name 姓名 --role sales|service|admin [--site CODE] [--mobile M]
//	nevcrm generate [--scale small|medium|large|N] [--seed N] [--months N] [--as-of RFC3339]
//	nevcrm check | export --format csv --out DIR
//	nevcrm leads import-history --file F.csv --outcome COL [--id COL] [--exclude C1,C2] | train [--source crm|history] [--cv 5] | score
//	nevcrm copy-to-postgres --db nevcrm.db --to postgres://...
//	nevcrm version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/nevcrm/nevcrm/internal/app"
	"github.com/nevcrm/nevcrm/internal/community"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/db"
)

const usage = `nevcrm — 新能源汽车客户关系与售后服务系统

用法:
  nevcrm serve     [--addr 127.0.0.1:8080] [--db nevcrm.db|postgres://...] [--demo]  启动服务
                   [--metrics-addr 127.0.0.1:9090]  Prometheus 指标单独监听（默认关闭）
                   [--no-worker] 不在本进程运行后台任务  [--job-workers N] 同时运行的任务数（默认 4）
  nevcrm worker    [--db ...] [--job-workers N]               只运行后台任务（与 serve --no-worker 配合）
  nevcrm migrate   [--db ...]                                 执行数据库迁移
  nevcrm user add  --username U --name 姓名 --role sales|service|admin [--site 网点编码]
                   (密码取自环境变量 NEVCRM_PASSWORD，或从标准输入读取一行)
  nevcrm generate  [--scale small|medium|large|N] [--seed N] [--months N] [--as-of 2026-06-30T00:00:00Z]
                   生成模拟数据（--as-of 为数据的参照时间，默认当前时间；参数相同则数据逐字节相同）
  nevcrm check     [--db ...]                                 校验生成数据的一致性
  nevcrm export    --format csv --out DIR                     导出全部表为 CSV
  nevcrm import customers --file F.csv|F.xlsx [--policy skip|update] [--store 门店编码] [--dry-run]
                   导入客户（列名与客户导出相同；--dry-run 只检查不写入）
  nevcrm leads import-history --file F.csv --outcome 列名 [--id 列名] [--exclude 列1,列2]  导入其他系统的历史线索
  nevcrm leads train [--source crm|history] [--cv 5] [--no-activate]   训练线索评分模型（比较逻辑回归与梯度提升树）
  nevcrm leads score [--stale] [--owners]                           为未结案线索评分（--owners 同时评估流失并为车主评分）
  nevcrm copy-to-postgres --db nevcrm.db --to postgres://...  把整个 SQLite 库复制到空的 PostgreSQL 库并逐表校验
  nevcrm assistant eval [--part test|dev|all] [-v]            智能客服评测：意图准确率、槽位准确率、知识库 hit@1/@3、延迟
  nevcrm version                                              显示版本
环境变量: NEVCRM_DB, NEVCRM_ADDR, NEVCRM_TRUST_PROXY, NEVCRM_LOG_FORMAT, NEVCRM_WORKER (on/off), NEVCRM_JOB_WORKERS,
          NEVCRM_METRICS_ADDR, NEVCRM_METRICS_TOKEN（/metrics 的 Bearer 令牌，至少 24 个字符）
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "nevcrm:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("missing command")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "worker":
		return worker(ctx, args[1:], stderr)
	case "migrate":
		return migrate(ctx, args[1:], stdout, stderr)
	case "user":
		return user(ctx, args[1:], stdin, stdout, stderr)
	case "generate":
		return runGenerate(ctx, args[1:])
	case "check":
		return runCheck(ctx, args[1:])
	case "export":
		return runExport(ctx, args[1:])
	case "import":
		return importCmd(ctx, args[1:], stdout, stderr)
	case "leads":
		return leads(ctx, args[1:], stdout, stderr)
	case "copy-to-postgres":
		return copyToPostgres(ctx, args[1:], stdout, stderr)
	case "assistant":
		return assistantCmd(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "nevcrm", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// version is the module version, or the VCS revision of a development build.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " (" + s.Value[:12] + ")"
		}
	}
	return v
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := config.ParseServe(args, os.Getenv, stderr)
	if err != nil {
		return err
	}
	logger := newLogger(cfg.LogFormat, stderr)
	a, err := app.New(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	metricsDone := make(chan error, 1)
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("metrics listener: %w", err)
		}
		logger.Info("metrics listening", "url", "http://"+mln.Addr().String()+"/metrics", "token", cfg.MetricsToken != "")
		go func() {
			err := a.RunMetrics(ctx, mln)
			if err != nil {
				cancel() // the metrics server failed: stop the main one too
			}
			metricsDone <- err
		}()
	} else {
		metricsDone <- nil
	}
	logger.Info("NEV CRM listening", "url", "http://"+ln.Addr().String(), "db", a.DB.Dialect)
	if cfg.Demo {
		fmt.Fprintf(stdout, "\n  NEV CRM 演示环境: http://%s\n  账号 owner / sales / service / admin，密码 %s\n"+
			"  生成的员工（sales0001、svc0001、adm001 …）与车主（手机号）也用此密码；仅演示模式有效\n\n", ln.Addr(), app.DemoPassword)
	}
	err = a.Run(ctx, ln)
	cancel()
	if merr := <-metricsDone; err == nil && merr != nil {
		err = fmt.Errorf("metrics server: %w", merr)
	}
	return err
}

// worker runs background jobs until ctx is cancelled (SIGINT, SIGTERM), then
// lets running jobs finish for up to 10 s. It refuses a stale schema.
func worker(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, err := config.ParseWorker(args, os.Getenv, stderr)
	if err != nil {
		return err
	}
	logger := newLogger(cfg.LogFormat, stderr)
	a, err := app.New(ctx, cfg, logger)
	if err != nil {
		return err
	}
	logger.Info("NEV CRM worker running", "db", a.DB.Dialect, "job_workers", cfg.JobWorkers)
	<-ctx.Done()
	logger.Info("worker stopping")
	return a.Close()
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("db", config.DefaultDB(os.Getenv), "SQLite file path or postgres:// URL")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := db.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Migrate(ctx); err != nil {
		return err
	}
	v, err := d.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema at version %d (%s)\n", v, d.Dialect)
	res, err := community.Backfill(ctx, d)
	if err != nil {
		return fmt.Errorf("community backfill: %w", err)
	}
	if res.Indexed+res.Scored > 0 {
		fmt.Fprintf(stdout, "车友圈：补建 %d 个帖子的搜索索引、%d 个帖子的热度\n", res.Indexed, res.Scored)
	}
	return nil
}
