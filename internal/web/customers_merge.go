package web

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/site"
)

// duplicatesView is the data of the likely-duplicates page.
type duplicatesView struct {
	Groups    []customer.DuplicateGroup
	Of        int64 // the customer whose group is shown; 0 for all groups
	Stores    []*site.Site
	StoreID   int64
	CanManage bool
}

func (h *Customers) duplicates(rw http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), httpx.User(r)
	q := r.URL.Query()
	v := &duplicatesView{}
	v.Of, _ = strconv.ParseInt(q.Get("id"), 10, 64)
	v.StoreID, _ = strconv.ParseInt(q.Get("store"), 10, 64)
	var err error
	if v.Groups, err = h.Customers.Duplicates(ctx, actor, customer.DuplicateFilter{StoreID: v.StoreID, CustomerID: v.Of}); err != nil {
		h.fail(rw, r, err)
		return
	}
	if actor.Is(identity.RoleAdmin) {
		if v.Stores, err = h.Sites.List(ctx, site.Store, "", 500); err != nil {
			h.fail(rw, r, err)
			return
		}
	}
	v.CanManage = h.Customers.CanMerge(actor)
	h.render(rw, r, http.StatusOK, "customer_duplicates", &page{Title: "疑似重复客户", Nav: "customers", Data: v})
}

func (h *Customers) mergePage(rw http.ResponseWriter, r *http.Request) {
	into, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	from, _ := strconv.ParseInt(r.URL.Query().Get("from"), 10, 64)
	h.showMerge(rw, r, http.StatusOK, into, from, nil, nil)
}

// showMerge renders the merge page of from into into, with the user's
// choices and an error when a merge came back.
func (h *Customers) showMerge(rw http.ResponseWriter, r *http.Request, status int, into, from int64, form url.Values, cause error) {
	plan, err := h.Customers.PlanMerge(r.Context(), httpx.User(r), into, from)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	p := &page{Title: "合并客户档案", Nav: "customers", Data: plan, Form: form,
		URL: "/sales/customers/" + strconv.FormatInt(into, 10) + "/merge?from=" + strconv.FormatInt(from, 10)}
	if cause != nil {
		h.formError(rw, r, "customer_merge", p, cause)
		return
	}
	h.render(rw, r, status, "customer_merge", p)
}

func (h *Customers) merge(rw http.ResponseWriter, r *http.Request) {
	into, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无效"))
		return
	}
	from, _ := strconv.ParseInt(r.PostForm.Get("from"), 10, 64)
	var take []string // the fields whose value comes from the merged record
	for key, vals := range r.PostForm {
		if name, ok := strings.CutPrefix(key, "take_"); ok && len(vals) == 1 && vals[0] == "from" {
			take = append(take, name)
		}
	}
	sort.Strings(take)
	if _, err := h.Customers.Merge(r.Context(), httpx.User(r), into, from, take); err != nil {
		if apperr.CodeOf(err) == apperr.Conflict {
			h.showMerge(rw, r, http.StatusConflict, into, from, r.PostForm, err)
			return
		}
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/sales/customers/"+strconv.FormatInt(into, 10), "merged")
}
