// Package web serves the Chinese HTML pages: html/template parsed once from
// the embedded templates, every page rendered into a buffer before it is
// written, static files under content-hashed names.
package web

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/inventory"
	"github.com/nevcrm/nevcrm/internal/leadscore"
	"github.com/nevcrm/nevcrm/internal/listing"
	pipeline "github.com/nevcrm/nevcrm/internal/sales"
	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/support"
)

//go:embed templates static
var files embed.FS

// Options configure the Renderer.
type Options struct {
	Logger     *slog.Logger
	TrustProxy bool
	// Demo shows the demo logins on the login page (serve --demo only).
	Demo bool
	// Unread returns the logged-in user's unread notification count for the
	// header bell (one indexed query per full page); nil shows the bell
	// without a count.
	Unread func(ctx context.Context, u *identity.User) (int, error)
}

// Renderer is what every area's page handler shares: the parsed templates,
// the fingerprinted static files, and the error pages. Each area has its own
// handler type that embeds it and holds only the services it needs.
type Renderer struct {
	Options
	pages  map[string]*template.Template
	assets map[string]string // "css/app.css" -> "/static/<hash>/css/app.css"
	static fs.FS
	nav    *navCache
}

// New parses the templates and fingerprints the static files.
func New(o Options) (*Renderer, error) {
	w := &Renderer{Options: o, pages: map[string]*template.Template{}, assets: map[string]string{}}
	static, err := fs.Sub(files, "static")
	if err != nil {
		return nil, err
	}
	w.static = static
	err = fs.WalkDir(static, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		w.assets[p] = "/static/" + hex.EncodeToString(sum[:])[:12] + "/" + p
		return nil
	})
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"asset": func(p string) (string, error) {
			if u, ok := w.assets[p]; ok {
				return u, nil
			}
			return "", fmt.Errorf("unknown asset %q", p)
		},
		"local":          func(t time.Time) string { return t.In(site.Shanghai).Format("2006-01-02 15:04") },
		"day":            func(t time.Time) string { return t.Format("2006-01-02") },
		"localday":       func(t time.Time) string { return t.In(site.Shanghai).Format("2006-01-02") },
		"iso":            func(t time.Time) string { return t.UTC().Format(time.RFC3339) }, // machine-readable datetime attributes
		"yuan":           yuan,
		"money":          money,
		"mask":           identity.MaskMobile,
		"pct":            pct,
		"percent":        func(share float64) string { return fmt.Sprintf("%.0f", share*100) },
		"thousands64":    func(n int64) string { return listing.Thousands(n) },
		"duration":       duration,
		"thousands":      thousands,
		"clock":          site.Clock,
		"packState":      inventory.PackStateLabel,
		"familyLabel":    leadscore.FamilyLabel,
		"ownerKindLabel": leadscore.OwnerKindLabel,
		"ownerBandLabel": leadscore.OwnerBandLabel,
		"bandLabel":      pipeline.BandLabel,
		"reasons":        reasonChips,
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"rescheduleBlock": rescheduleBlock,
		"stars":           stars,
		"ticketStatus":    support.StatusLabel,
		"payerDialog":     payerDialog,
		"inc":             func(i int) int { return i + 1 },
		"seq":             seq,
		"has":             slices.Contains[[]string],
		"markdown":        markdown,
		"mul100":          func(f float64) float64 { return f * 100 },
		"sub":             func(a, b int) int { return a - b },
		"yuanWhole":       func(fen int64) int64 { return fen / 100 },
	}
	layout, err := w.parseFiles(template.New("layout.html").Funcs(funcs), "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	if err := checkNav(layout); err != nil {
		return nil, err
	}
	pages, err := fs.Glob(files, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		t, err := w.parseFiles(template.Must(layout.Clone()), p)
		if err != nil {
			return nil, err
		}
		w.pages[strings.TrimSuffix(path.Base(p), ".html")] = t
	}
	// The layout itself is executed only for the navigation, after every
	// page has been cloned from it.
	w.nav = &navCache{tmpl: layout}
	return w, nil
}

// page is the data every page template gets.
type page struct {
	Title  string
	User   *identity.User
	Nav    string // active navigation entry
	Flash  string
	Notice string // a neutral message (alert-info), such as why the login page opened
	Error  string
	// URL, when set, is the GET address of the page shown: a page rendered
	// in answer to a POST (a form that came back with errors) replaces the
	// POST address with it in the browser's history (static/js/app.js), so
	// that a refresh loads the form again instead of resubmitting it.
	URL    string
	Fields map[string]string // field errors
	Form   url.Values        // the user's values, for re-display
	Data   any
	Demo   bool // the server runs with demo accounts
	Unread int  // the user's unread notifications, for the header bell
	// Bell is Unread as the bell shows it: "" for none, "99+" from 100 (set
	// by render with Unread).
	Bell string
	// NavHTML is the rendered navigation (partials/nav.html) for User and
	// Nav, set by render from the navigation cache.
	NavHTML template.HTML
}

// bell is an unread count as the bell shows it: "" for none, "99+" from 100.
func bell(n int) string {
	switch {
	case n <= 0:
		return ""
	case n > 99:
		return "99+"
	}
	return strconv.Itoa(n)
}

// Val returns the submitted value of a form field.
func (p *page) Val(name string) string {
	if p.Form == nil {
		return ""
	}
	return p.Form.Get(name)
}

// pct formats a percentage with one decimal: 93.4.
func pct(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// thousands writes n with thousands separators: 12,345.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// render writes the named page with status, rendering into a buffer first so
// that a template error becomes a clean 500.
func (w *Renderer) render(rw http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	t, ok := w.pages[name]
	if !ok {
		w.internal(rw, r, fmt.Errorf("unknown page %q", name))
		return
	}
	p.User = httpx.User(r)
	p.Demo = w.Demo
	if p.Flash == "" && r.URL.RawQuery != "" {
		p.Flash = flashes[r.URL.Query().Get("ok")]
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		p.URL = "" // already a GET address
	}
	buf := getBuffer()
	defer putBuffer(buf)
	tmpl := "layout.html"
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") != "" && t.Lookup("fragment") != nil {
		tmpl = "fragment"
	} else {
		nav, err := w.nav.html(p.User, p.Nav)
		if err != nil {
			w.internal(rw, r, err)
			return
		}
		p.NavHTML = nav
	}
	if tmpl == "layout.html" && p.User != nil && w.Unread != nil {
		// A failed count costs the bell its number, never the page.
		if n, err := w.Unread(r.Context(), p.User); err != nil {
			w.Logger.WarnContext(r.Context(), "unread notifications count", "err", err, "request_id", httpx.RequestID(r.Context()))
		} else {
			p.Unread, p.Bell = n, bell(n)
		}
	}
	if err := t.ExecuteTemplate(buf, tmpl, p); err != nil {
		w.internal(rw, r, err)
		return
	}
	h := rw.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// A known length spares the response chunked encoding.
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	rw.WriteHeader(status)
	_, _ = buf.WriteTo(rw)
}

// internal logs err and shows the Chinese 500 page.
func (w *Renderer) internal(rw http.ResponseWriter, r *http.Request, err error) {
	if httpx.ClientGone(r, err) {
		w.Logger.InfoContext(r.Context(), "client went away", "path", r.URL.Path, "request_id", httpx.RequestID(r.Context()))
		rw.WriteHeader(httpx.StatusClientClosed)
		return
	}
	w.Logger.ErrorContext(r.Context(), "internal error", "err", err, "path", r.URL.Path, "request_id", httpx.RequestID(r.Context()))
	rw.Header().Del("Retry-After") // set for a 429 whose page then failed
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(rw, errorPage, 500, "服务器开小差了", "请稍后再试。如问题持续，请联系管理员并提供请求编号："+template.HTMLEscapeString(httpx.RequestID(r.Context())))
}

// errorPage is used when rendering itself failed; it needs no template.
const errorPage = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>出错了</title>
<div style="font-family:sans-serif;text-align:center;padding:4rem"><h1>%d</h1><h2>%s</h2><p>%s</p><p><a href="/">返回首页</a></p></div>`

// fail shows err: a domain error as its Chinese page, anything else as 500.
func (w *Renderer) fail(rw http.ResponseWriter, r *http.Request, err error) {
	e := apperr.As(err)
	if e == nil {
		w.internal(rw, r, err)
		return
	}
	if e.Code == apperr.Unauthenticated {
		w.toLogin(rw, r)
		return
	}
	httpx.RetryAfter(rw.Header(), e)
	w.errorPage(rw, r, httpx.Status(e.Code), e.Message)
}

func (w *Renderer) errorPage(rw http.ResponseWriter, r *http.Request, status int, message string) {
	titles := map[int]string{403: "无权访问", 404: "页面不存在", 405: "不支持的操作", 409: "操作冲突", 422: "提交有误", 429: "操作过于频繁", 500: "服务器开小差了"}
	w.render(rw, r, status, "error", &page{Title: titles[status], Data: map[string]any{"Status": status, "Message": message}})
}

// toLogin sends an anonymous visitor to the login page, saying why: a
// session cookie that no longer names a session means the login expired
// (the dead cookie is removed), no cookie means the page needs a login.
func (w *Renderer) toLogin(rw http.ResponseWriter, r *http.Request) {
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet {
		next = "/"
	}
	reason := "required"
	if httpx.SessionExpired(r) || httpx.SessionToken(r) != "" {
		reason = "expired"
		httpx.ClearSessionCookie(rw, r, w.TrustProxy)
	}
	http.Redirect(rw, r, "/login?next="+url.QueryEscape(next)+"&reason="+reason, http.StatusSeeOther)
}

// loginReasons are the messages the login page shows for its reason
// parameter; only these fixed texts can appear.
var loginReasons = map[string]string{
	"required": "请先登录。",
	"expired":  "登录已过期，请重新登录。",
}

// Deny answers a request the route's rule refuses: anonymous visitors go to
// the login page, other roles get the 403 page.
func (w *Renderer) Deny(rw http.ResponseWriter, r *http.Request) {
	if httpx.User(r) == nil {
		w.toLogin(rw, r)
		return
	}
	w.errorPage(rw, r, http.StatusForbidden, "您的账号没有访问此页面的权限。")
}

// CrossSiteDenied renders the 403 page for a state-changing request that
// came from another site (CSRF protection).
func (w *Renderer) CrossSiteDenied(rw http.ResponseWriter, r *http.Request) {
	w.errorPage(rw, r, http.StatusForbidden, "请求来自其他网站，已被拒绝。请在本站页面上重新操作。")
}

// MethodNotAllowed renders the 405 page (the Allow header is set by the caller).
func (w *Renderer) MethodNotAllowed(rw http.ResponseWriter, r *http.Request) {
	w.errorPage(rw, r, http.StatusMethodNotAllowed, "该页面不支持此操作方式。")
}

// BadText renders the 422 page for a query or form value that is not valid
// text (invalid UTF-8 or a NUL character).
func (w *Renderer) BadText(rw http.ResponseWriter, r *http.Request, field string) {
	w.errorPage(rw, r, http.StatusUnprocessableEntity, "提交的内容包含无效字符，请检查后重新输入。")
}

// NotFound renders the 404 page.
func (w *Renderer) NotFound(rw http.ResponseWriter, r *http.Request) {
	w.errorPage(rw, r, http.StatusNotFound, "您访问的页面不存在或已被移除。")
}

// formError re-renders a form page with the user's values and the messages
// beside the fields; other errors go to fail. The page's URL (the form's GET
// address; the request's path when not set) replaces the POST address in
// the browser's history, so a refresh shows the form and resubmits nothing.
func (w *Renderer) formError(rw http.ResponseWriter, r *http.Request, name string, p *page, err error) {
	e := apperr.As(err)
	if e == nil || e.Code == apperr.Unauthenticated && name != "login" {
		w.fail(rw, r, err)
		return
	}
	p.Error = e.Message
	p.Fields = e.Fields
	p.Form = r.Form
	if p.URL == "" {
		p.URL = r.URL.Path
	}
	httpx.RetryAfter(rw.Header(), e)
	w.render(rw, r, httpx.Status(e.Code), name, p)
}

// Routes returns the static files and the site icon, served by the Renderer itself.
func (w *Renderer) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Public("GET", "/static/{hash}/{path...}", w.serveStatic),
		httpx.Public("GET", "/favicon.ico", w.favicon),
	}
}

// favicon serves the icon at the address browsers and other clients ask for
// when a page names none (pages name the fingerprinted SVG and PNG).
func (w *Renderer) favicon(rw http.ResponseWriter, r *http.Request) {
	rw.Header().Set("Cache-Control", "public, max-age=86400")
	http.ServeFileFS(rw, r, w.static, "img/favicon.ico")
}

// pathID parses the {id} path value; a malformed id is a 404.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "页面不存在")
	}
	return id, nil
}

// static serves the fingerprinted files with a long cache lifetime.
func (w *Renderer) serveStatic(rw http.ResponseWriter, r *http.Request) {
	p := r.PathValue("path")
	want, ok := w.assets[p]
	if !ok || want != r.URL.Path {
		w.NotFound(rw, r)
		return
	}
	rw.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeFileFS(rw, r, w.static, p)
}

// flashes are the messages a redirect can ask the next page to show; only
// these fixed texts can appear, so a crafted link cannot put words on a page.
var flashes = map[string]string{
	"targets_saved":       "销售目标已保存。",
	"booked":              "预约成功，我们将在服务开始前提醒您。",
	"cancelled":           "预约已取消，名额已释放。",
	"rescheduled":         "改约成功。",
	"registered":          "注册成功，欢迎加入！",
	"confirmed":           "已确认预约，车主已收到通知。",
	"assigned":            "已派工。",
	"pack_charged":        "电池包已标记为满电，可用于换电。",
	"pack_charging":       "电池包已修复，开始充电。",
	"pack_maintenance":    "电池包已送修，不再用于换电。",
	"started":             "已开始服务，车主已收到通知。",
	"completed":           "服务已完成，车主已收到通知。",
	"no_show":             "已标记为未到店。",
	"staff_cancelled":     "已取消预约，名额已释放，车主已收到通知。",
	"allread":             "已将全部通知标为已读。",
	"user":                "员工账号已创建。",
	"saved":               "修改已保存。",
	"disabled":            "账号已停用，其登录会话已全部结束。",
	"enabled":             "账号已启用。",
	"password":            "密码已重置，该账号需用新密码重新登录。",
	"permissions":         "权限已更新，该账号下一次操作即生效。",
	"cancelled_job":       "已请求取消任务。",
	"export_job":          "导出的账号较多，已转为后台任务；完成后可在本页下载，也可以离开此页稍后回来。",
	"logout":              "您已安全退出。",
	"tagged":              "标签已添加。",
	"merged":              "档案已合并：重复档案的全部记录已转到这份档案。",
	"import_uploaded":     "文件已上传。请确认每一列对应的字段和遇到已有记录时的做法，然后开始检查。",
	"import_checking":     "列映射已保存。系统在后台逐行检查（不会写入），结果显示在下方。",
	"import_started":      "导入已开始，可以离开本页，完成后会通知您。",
	"untagged":            "标签已移除。",
	"noted":               "备注已添加，已记入时间线。",
	"view_saved":          "视图已保存，可随时从“我的视图”打开。",
	"view_deleted":        "视图已删除。",
	"report_export_job":   "明细较多，导出已转为后台任务；完成后可在本页下载，也可以离开此页稍后回来。",
	"customer_export_job": "导出的客户较多，已转为后台任务；完成后可在本页下载，也可以离开此页稍后回来。",
	"merged_away":         "该客户档案已合并，已为您打开合并后的档案。",
	"wo_opened":           "工单已开立。",
	"wo_saved":            "工单信息已保存，质保判定已按新信息更新。",
	"wo_labour":           "已添加工时。",
	"wo_line_removed":     "已删除该明细。",
	"wo_part":             "已领用备件，库存已扣减。",
	"wo_part_returned":    "备件已退回库存。",
	"wo_payer":            "已改判付费方，并记入变更记录。",
	"wo_started":          "工单已开始维修。",
	"wo_waiting":          "工单已转为待料。",
	"wo_resumed":          "工单已恢复维修。",
	"wo_completed":        "工单已完工，可以在预约队列中完成该预约。",
	"wo_handed_over":      "已交车，车主已收到评价邀请。",
	"wo_cancelled":        "工单已取消，已领用的备件已退回库存。",
	"followup_closed":     "回访结果已记录。",
	"rated":               "感谢您的评价！",
	"campaign_created":    "活动草稿已创建。设置人群规则后即可发布。",
	"campaign_published":  "活动已发布，正在后台生成受众并发送通知。",
	"campaign_start":      "活动已开始。",
	"campaign_end":        "活动已结束。",
	"campaign_archive":    "活动已归档。",
	"campaign_cancel":     "活动已取消，已报名的车主已收到通知。",
	"campaign_segment":    "人群规则已保存。",
	"campaign_cost":       "费用已记录。",
	"signup_registered":   "报名成功！签到码已生成，到场时出示即可。",
	"signup_waitlisted":   "名额已满，您已加入候补；有人取消时会自动为您补位。",
	"signup_cancelled":    "已取消报名。",
	"referral_code":       "推荐码已生成，把链接分享给朋友吧。",
	"coupon_redeemed":     "抵扣券已使用，工单金额已更新。",
	"effect_refreshed":    "活动效果已重新计算。",
	"kb_created":          "知识条目已创建，智能客服即刻可用。",
	"kb_saved":            "知识条目已保存，智能客服即刻使用新内容。",
	"ticket_assigned":     "工单已分派。",
	"ticket_replied":      "回复已发送，车主会在智能客服对话中看到并收到通知。",
	"ticket_resolved":     "工单已解决，已邀请车主评价；车主 7 天内未回复将自动关闭。",
	"profile_saved":       "个人资料已保存。",
	"consent_on":          "已同意接收营销信息，可随时撤回。",
	"consent_off":         "已撤回营销授权，我们将不再向您发送营销信息。",
	"password_changed":    "密码已修改，您在其他设备上的登录已全部退出。",
	"bound":               "绑定成功，这辆车已加入您的个人中心。",
	"erase_requested":     "删除申请已提交，我们将在 15 天内处理并通知您。",
	"erase_withdrawn":     "删除申请已撤回。",
	"erased":              "已删除该车主的个人信息：账号已停用并匿名化，法定留存的记录已与其脱钩保留。",
	"erase_rejected":      "已驳回该申请，车主已收到原因。",
}

// redirect sends the browser to target with an optional flash code (a key of flashes).
func redirect(rw http.ResponseWriter, r *http.Request, target, flash string) {
	if flash != "" {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + "ok=" + url.QueryEscape(flash)
	}
	http.Redirect(rw, r, target, http.StatusSeeOther)
}

// yuan shows an amount in fen as UI-GUIDE asks: "¥12,345.00".
func yuan(fen int64) string { return money(fen) }

// money shows fen as yuan with thousands separators: "¥258,000.00".
func money(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s¥%s.%02d", sign, listing.Thousands(fen/100), fen%100)
}

// duration says d in Chinese, to the second under a minute, to the minute
// under an hour ("约 3 分钟"), else in hours and minutes.
func duration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d 秒", int(d.Round(time.Second)/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("约 %d 分钟", int(d.Round(time.Minute)/time.Minute))
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("约 %d 小时 %d 分钟", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
