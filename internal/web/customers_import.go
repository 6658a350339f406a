package web

import (
	"database/sql"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/jobs"
	pipeline "github.com/nevcrm/nevcrm/internal/sales"
	"github.com/nevcrm/nevcrm/internal/site"
)

// importTarget is what an import page imports.
type importTarget struct {
	Name   string // customers, leads
	Label  string // 客户, 线索
	Back   string // the list the import fills
	Fields []customer.ImportField
}

var importTargets = map[string]importTarget{
	"customers": {Name: "customers", Label: "客户", Back: "/sales/customers", Fields: customer.ImportFields()},
	"leads":     {Name: "leads", Label: "线索", Back: "/sales/leads", Fields: pipeline.LeadImportFields},
}

// importView is the data of the import pages.
type importView struct {
	Target   importTarget
	File     *customer.ImportFile
	Job      *jobs.Info
	Stores   []*site.Site
	Headings []string // the columns the import reads by name
	// The mapping step: the file's first rows and each column's field.
	Preview *customer.Preview
	Cols    []string
	Policy  string
}

// Samples are the first values of column c in the preview.
func (v *importView) Samples(c int) string {
	var out []string
	for _, row := range v.Preview.Rows {
		if c < len(row) && row[c] != "" && len(out) < 3 {
			out = append(out, row[c])
		}
	}
	return strings.Join(out, "、")
}

// FieldLabel is the label of a field name of the view's target ("" for none).
func (v *importView) FieldLabel(name string) string {
	for _, f := range v.Target.Fields {
		if f.Name == name {
			return f.Label
		}
	}
	return ""
}

func (h *Customers) importForm(target string) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		v, err := h.importView(r, target, nil)
		if err != nil {
			h.fail(rw, r, err)
			return
		}
		h.render(rw, r, http.StatusOK, "customer_import", &page{Title: "导入" + v.Target.Label, Nav: navOf(target), Data: v})
	}
}

func navOf(target string) string {
	if target == "leads" {
		return "leads"
	}
	return "customers"
}

func (h *Customers) importView(r *http.Request, target string, f *customer.ImportFile) (*importView, error) {
	if f != nil {
		target = f.Target
	}
	v := &importView{Target: importTargets[target], File: f}
	for _, fd := range v.Target.Fields {
		v.Headings = append(v.Headings, fd.Label)
	}
	if target == "customers" {
		v.Headings = customer.ExportHeader
	}
	if httpx.User(r).Is(identity.RoleAdmin) && f == nil {
		var err error
		if v.Stores, err = h.Sites.List(r.Context(), site.Store, "", 500); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// upload stores the file; its page then asks for the column mapping.
func (h *Customers) upload(target string) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		ctx, actor := r.Context(), httpx.User(r)
		formErr := func(err error) {
			v, verr := h.importView(r, target, nil)
			if verr != nil {
				h.fail(rw, r, verr)
				return
			}
			h.formError(rw, r, "customer_import", &page{Title: "导入" + v.Target.Label, Nav: navOf(target), Data: v, URL: r.URL.Path}, err)
		}
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				formErr(apperr.Field("file", "文件不能超过 100 MB，请拆分后分批导入"))
				return
			}
			formErr(apperr.Field("file", "请选择要导入的 CSV 或 Excel 文件"))
			return
		}
		file, hdr, err := r.FormFile("file")
		if err != nil {
			formErr(apperr.Field("file", "请选择要导入的 CSV 或 Excel 文件"))
			return
		}
		defer file.Close()
		store, _ := strconv.ParseInt(r.PostForm.Get("store_id"), 10, 64)
		f, err := h.Customers.Upload(ctx, actor, target, hdr.Filename, file, store)
		if err != nil {
			formErr(err)
			return
		}
		redirect(rw, r, "/sales/customer-imports/"+strconv.FormatInt(f.ID, 10), "import_uploaded")
	}
}

// startImport enqueues the check (dry) or the import of upload id.
func (h *Customers) startImport(r *http.Request, id int64, dry bool) error {
	ctx, actor := r.Context(), httpx.User(r)
	status := "uploaded"
	if !dry {
		status = "queued"
	}
	_, err := h.Customers.SetImportJob(ctx, actor, id, status, func(tx *sql.Tx) (int64, error) {
		return h.Jobs.EnqueueTx(ctx, tx, actor, customer.ImportJob{ImportID: id, Dry: dry})
	})
	return err
}

// filePage loads upload id with what its page shows: the mapping step
// (preview and each column's field: the user's last mapping for these
// headings, else by name) or the check's and import's progress.
func (h *Customers) filePage(r *http.Request, id int64) (*importView, error) {
	ctx, actor := r.Context(), httpx.User(r)
	f, err := h.Customers.GetImport(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	v, err := h.importView(r, "", f)
	if err != nil {
		return nil, err
	}
	if f.AwaitsMapping() || r.URL.Query().Get("remap") == "1" && f.Status == "checked" {
		if v.Preview, err = h.Customers.PreviewImport(ctx, actor, id); err != nil {
			return nil, err
		}
		m := f.Mapping
		if m == nil {
			if m, err = h.Customers.RememberedMapping(ctx, actor, f.Target, v.Preview.Header); err != nil {
				return nil, err
			}
		}
		v.Cols = customer.MatchColumns(v.Preview.Header, v.Target.Fields, m)
		v.Policy = string(f.Policy)
		return v, nil
	}
	if f.JobID != 0 {
		if v.Job, err = h.Jobs.Get(ctx, actor, f.JobID); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (h *Customers) importPage(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	v, err := h.filePage(r, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "customer_import_file", &page{Title: "导入" + v.Target.Label, Nav: navOf(v.Target.Name), Data: v})
}

// setMapping saves the mapping step (each column's field and the
// duplicate policy) and starts the check.
func (h *Customers) setMapping(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法读取，请重试"))
		return
	}
	ctx, actor := r.Context(), httpx.User(r)
	f, err := h.Customers.GetImport(ctx, actor, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	p, err := h.Customers.PreviewImport(ctx, actor, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	cols := make([]string, len(p.Header))
	for i := range cols {
		cols[i] = r.PostForm.Get("col_" + strconv.Itoa(i))
	}
	target := importTargets[f.Target]
	err = h.Customers.SetMapping(ctx, actor, id, p.Header, cols, target.Fields, customer.ImportPolicy(r.PostForm.Get("policy")))
	if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
		v, verr := h.importView(r, "", f)
		if verr != nil {
			h.fail(rw, r, verr)
			return
		}
		v.Preview, v.Cols, v.Policy = p, cols, r.PostForm.Get("policy")
		h.formError(rw, r, "customer_import_file", &page{Title: "导入" + target.Label, Nav: navOf(f.Target), Data: v,
			URL: "/sales/customer-imports/" + strconv.FormatInt(id, 10)}, err)
		return
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := h.startImport(r, id, true); err != nil {
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/sales/customer-imports/"+strconv.FormatInt(id, 10), "import_checking")
}

func (h *Customers) runImport(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	f, err := h.Customers.GetImport(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if f.Status != "checked" {
		h.fail(rw, r, apperr.New(apperr.Conflict, "请等检查完成后再导入；已导入或导入中的文件不能再次导入"))
		return
	}
	if err := h.startImport(r, id, false); err != nil {
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/sales/customer-imports/"+strconv.FormatInt(id, 10), "import_started")
}
