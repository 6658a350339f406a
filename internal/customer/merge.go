package customer

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// MergeHook moves one area's records of customer from to customer into,
// inside the merge's transaction tx. It returns an apperr error (usually
// Conflict) when the two records cannot be merged, which undoes the merge.
type MergeHook func(ctx context.Context, tx *sql.Tx, from, into int64) error

type mergeHook struct {
	tables []string
	run    MergeHook
}

// OnMerge registers the hook of the package that owns tables (each with a
// customer_id column): a merge calls every hook, in registration order.
// Call it while wiring the services, before the first merge.
func (s *Service) OnMerge(tables []string, h MergeHook) {
	s.mergeHooks = append(s.mergeHooks, mergeHook{tables: tables, run: h})
}

// MergeTables returns the tables whose rows a merge moves: this package's
// own and those of the registered hooks (a test compares them with the
// schema's customer_id columns).
func (s *Service) MergeTables() []string {
	out := []string{"customer_tags", "customer_notes"}
	for _, h := range s.mergeHooks {
		out = append(out, h.tables...)
	}
	return out
}

// DuplicateGroup is a set of customer records that are likely one person:
// the same name in the same city.
type DuplicateGroup struct {
	Name    string    `json:"name"`
	City    string    `json:"city"`
	Members []*Detail `json:"members"`
}

// MaxDuplicateGroups is how many groups Duplicates returns at most.
const MaxDuplicateGroups = 50

// DuplicateFilter narrows Duplicates: to one store (admins; a consultant
// always sees their own), or to the group of one customer.
type DuplicateFilter struct {
	StoreID    int64
	CustomerID int64
}

// Duplicates lists groups of likely duplicates among the customers actor
// may see (a consultant's store; an admin's every store, or f.StoreID),
// largest groups first, at most MaxDuplicateGroups of up to 20 records,
// oldest record first; merged and erased records are left out. With
// f.CustomerID, only that customer's group (none when it has no likely
// duplicate). The mobile number and the VIN are unique in the schema, so
// two records never share them; the likely duplicates are those with the
// same name in the same city. Mobiles are masked. Forbidden for roles
// without customer access; NotFound for a customer actor may not see.
func (s *Service) Duplicates(ctx context.Context, actor *identity.User, f DuplicateFilter) ([]DuplicateGroup, error) {
	if err := mayList(actor); err != nil {
		return nil, err
	}
	var scope []any
	switch {
	case !seesAll(actor):
		scope = []any{actor.SiteID}
	case f.StoreID > 0:
		scope = []any{f.StoreID}
	}
	var groups []DuplicateGroup
	if f.CustomerID != 0 {
		d, err := s.visible(ctx, s.db, actor, f.CustomerID)
		if err != nil {
			return nil, err
		}
		if d.StoreID != 0 && seesAll(actor) {
			scope = []any{d.StoreID}
		}
		groups = []DuplicateGroup{{Name: d.Name, City: d.City}}
	} else {
		q := `SELECT c.name, c.city FROM customers c WHERE c.merged_into_id IS NULL AND c.erased_at IS NULL AND c.city <> ''`
		args := append([]any{}, scope...)
		if len(scope) == 1 {
			q += ` AND c.store_id = $1`
		}
		args = append(args, MaxDuplicateGroups)
		q += ` GROUP BY c.name, c.city HAVING COUNT(*) > 1 ORDER BY COUNT(*) DESC, c.name, c.city LIMIT $` + strconv.Itoa(len(args))
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var g DuplicateGroup
			if err := rows.Scan(&g.Name, &g.City); err != nil {
				rows.Close()
				return nil, err
			}
			groups = append(groups, g)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	out := groups[:0]
	for _, g := range groups {
		ids, err := s.sameNameCity(ctx, g.Name, g.City, scope)
		if err != nil {
			return nil, err
		}
		if len(ids) < 2 {
			continue
		}
		for _, id := range ids {
			d, err := s.visible(ctx, s.db, actor, id)
			if err != nil {
				return nil, err
			}
			if d.AccountID, d.Vehicles, err = s.links(ctx, id); err != nil {
				return nil, err
			}
			g.Members = append(g.Members, d)
		}
		out = append(out, g)
	}
	return out, nil
}

// sameNameCity returns the ids of the unmerged records named name in city,
// in the store of scope (one argument) when given, oldest first.
func (s *Service) sameNameCity(ctx context.Context, name, city string, scope []any) ([]int64, error) {
	q := `SELECT id FROM customers WHERE name = $1 AND city = $2 AND merged_into_id IS NULL AND erased_at IS NULL`
	args := []any{name, city}
	if len(scope) == 1 {
		q += ` AND store_id = $3`
		args = append(args, scope[0])
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY created_at, id LIMIT 20`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// links returns the owner account id (0 for none) and the number of
// vehicles of customer id.
func (s *Service) links(ctx context.Context, id int64) (account, vehicles int64, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT COALESCE((SELECT id FROM users WHERE customer_id = $1), 0),
		(SELECT COUNT(*) FROM vehicles WHERE customer_id = $1)`, id).Scan(&account, &vehicles)
	return account, vehicles, err
}

// CanMerge reports whether actor may merge customer records: store
// managers (within their store) and admins.
func (s *Service) CanMerge(actor *identity.User) bool { return actor != nil && s.manages(actor) }

// MergeField is one field of a merge: the two records' values and whether
// they differ.
type MergeField struct {
	Name, Label string
	Into, From  string
	Differ      bool
}

// MergePlan is what the merge page shows before a merge.
type MergePlan struct {
	Into, From *Detail
	Fields     []MergeField
}

// PlanMerge returns the two records and their fields side by side for a
// merge of customer from into customer into by actor. Errors as Merge,
// without writing anything.
func (s *Service) PlanMerge(ctx context.Context, actor *identity.User, into, from int64) (*MergePlan, error) {
	a, b, err := s.mergePair(ctx, s.db, actor, into, from)
	if err != nil {
		return nil, err
	}
	p := &MergePlan{Into: a, From: b}
	for _, f := range Fields {
		x, y := f.current(a), f.current(b)
		p.Fields = append(p.Fields, MergeField{Name: f.name, Label: f.label, Into: x, From: y, Differ: x != y})
	}
	for _, d := range []*Detail{a, b} {
		if d.AccountID, d.Vehicles, err = s.links(ctx, d.ID); err != nil {
			return nil, err
		}
		if d.Tags, err = s.tags(ctx, d.ID); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// mergePair loads the two records of a merge for actor, masked: Forbidden
// unless actor is a store manager (of both records' store) or an admin,
// NotFound when either is not visible, Invalid for a record merged with
// itself, Conflict when either is merged already or erased.
func (s *Service) mergePair(ctx context.Context, q db.Querier, actor *identity.User, into, from int64) (*Detail, *Detail, error) {
	if err := identity.Require(actor); err != nil {
		return nil, nil, err
	}
	if !s.manages(actor) {
		return nil, nil, apperr.New(apperr.Forbidden, "只有店长或管理员可以合并客户档案")
	}
	if into == from {
		return nil, nil, apperr.Field("other", "不能把档案与自己合并")
	}
	var pair [2]*Detail
	for i, id := range []int64{into, from} {
		d, err := s.visible(ctx, q, actor, id)
		if err != nil {
			return nil, nil, err
		}
		if d.MergedInto != 0 || !d.ErasedAt.IsZero() {
			return nil, nil, apperr.New(apperr.Conflict, fmt.Sprintf("档案 #%d 已合并或已注销，不能再合并", id))
		}
		pair[i] = d
	}
	return pair[0], pair[1], nil
}

// Merge folds customer from into customer into, in one transaction: the
// fields named in take get from's values (names of Fields; the others keep
// into's), into becomes an owner when from is one, every record of from in
// every area moves to into (the registered hooks, and this package's tags
// and notes), from is kept as merged into into (hidden from lists, its page
// points to the survivor) and the merge is audited on both records
// (merge_customers, with the changed fields). Store managers (for two
// customers of their store) and admins may merge. Errors: those of
// PlanMerge; Invalid naming an unknown field in take; Conflict from a
// hook (for example when both records have an owner account).
func (s *Service) Merge(ctx context.Context, actor *identity.User, into, from int64, take []string) (*View, error) {
	for _, name := range take {
		if !slices.ContainsFunc(Fields, func(f field) bool { return f.name == name }) {
			return nil, apperr.Field(name, "该字段不能合并")
		}
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, _, err := s.mergePair(ctx, tx, actor, into, from); err != nil {
			return err
		}
		a, err := load(ctx, tx, into)
		if err != nil {
			return err
		}
		b, err := load(ctx, tx, from)
		if err != nil {
			return err
		}
		now := s.now()
		changes := map[string]string{}
		for _, name := range take {
			switch name {
			case "mobile":
				changes[name] = b.Mobile
			case "sales_user_id":
				changes[name] = strconv.FormatInt(b.SalesUserID, 10)
				if b.SalesUserID == 0 {
					changes[name] = ""
				}
			case "model_id":
				changes[name] = strconv.FormatInt(b.ModelID, 10)
				if b.ModelID == 0 {
					changes[name] = ""
				}
			default:
				for _, f := range Fields {
					if f.name == name {
						changes[name] = f.current(b)
					}
				}
			}
		}
		// The merged record gives up its mobile number first: the
		// column is unique, and the survivor may take it.
		if _, err := tx.ExecContext(ctx, `UPDATE customers SET mobile = $1, merged_into_id = $2, updated_at = $3 WHERE id = $4`,
			fmt.Sprintf("merged:%d", from), into, now, from); err != nil {
			return err
		}
		if b.Kind == "owner" && a.Kind != "owner" {
			if _, err := tx.ExecContext(ctx, `UPDATE customers SET kind = 'owner', updated_at = $1 WHERE id = $2`, now, into); err != nil {
				return err
			}
		}
		if err := s.apply(ctx, tx, actor, a, true, changes, "merge_customers"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO customer_tags (customer_id, tag, created_by, created_at)
			SELECT $1, tag, created_by, created_at FROM customer_tags WHERE customer_id = $2
			ON CONFLICT (customer_id, tag) DO NOTHING`, into, from); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM customer_tags WHERE customer_id = $1`, from); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE customer_notes SET customer_id = $1 WHERE customer_id = $2`, into, from); err != nil {
			return err
		}
		for _, h := range s.mergeHooks {
			if err := h.run(ctx, tx, from, into); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "merge_customers", Entity: "customers",
			EntityID: into, Detail: map[string]any{"merged_from": from, "fields": take}}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "merge_customers", Entity: "customers",
			EntityID: from, Detail: map[string]any{"merged_into": into}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, into)
}
