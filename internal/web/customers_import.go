package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/jobs"
	"github.com/nevcrm/nevcrm/internal/site"
)

// importView is the data of the import pages.
type importView struct {
	File     *customer.ImportFile
	Job      *jobs.Info
	Stores   []*site.Site
	Headings []string // the export's column names, which the import reads
}

func (h *Customers) importForm(rw http.ResponseWriter, r *http.Request) {
	v, err := h.importView(r, nil)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "customer_import", &page{Title: "导入客户", Nav: "customers", Data: v})
}

func (h *Customers) importView(r *http.Request, f *customer.ImportFile) (*importView, error) {
	v := &importView{File: f, Headings: customer.ExportHeader}
	if httpx.User(r).Is(identity.RoleAdmin) {
		var err error
		if v.Stores, err = h.Sites.List(r.Context(), site.Store, "", 500); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// upload stores the file and starts its check in the background; the
// import page follows the check and offers the import.
func (h *Customers) upload(rw http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), httpx.User(r)
	formErr := func(err error) {
		v, verr := h.importView(r, nil)
		if verr != nil {
			h.fail(rw, r, verr)
			return
		}
		h.formError(rw, r, "customer_import", &page{Title: "导入客户", Nav: "customers", Data: v, URL: "/sales/customers/import"}, err)
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
	f, err := h.Customers.Upload(ctx, actor, hdr.Filename, file, customer.ImportPolicy(r.PostForm.Get("policy")), store)
	if err != nil {
		formErr(err)
		return
	}
	if err := h.startImport(r, f.ID, true); err != nil {
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/sales/customer-imports/"+strconv.FormatInt(f.ID, 10), "import_uploaded")
}

// startImport enqueues the check (dry) or the import of upload id.
func (h *Customers) startImport(r *http.Request, id int64, dry bool) error {
	ctx, actor := r.Context(), httpx.User(r)
	job, err := h.Jobs.Enqueue(ctx, actor, customer.ImportJob{ImportID: id, Dry: dry})
	if err != nil {
		return err
	}
	status := "uploaded"
	if !dry {
		status = "queued"
	}
	return h.Customers.SetImportJob(ctx, actor, id, job, status)
}

func (h *Customers) importPage(rw http.ResponseWriter, r *http.Request) {
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
	v, err := h.importView(r, f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if f.JobID != 0 {
		if v.Job, err = h.Jobs.Get(r.Context(), httpx.User(r), f.JobID); err != nil {
			h.fail(rw, r, err)
			return
		}
	}
	h.render(rw, r, http.StatusOK, "customer_import_file", &page{Title: "导入客户", Nav: "customers", Data: v})
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
