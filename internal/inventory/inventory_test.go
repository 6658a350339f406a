package inventory_test

import (
	"bytes"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/inventory"
	"github.com/nevcrm/nevcrm/internal/listing"
)

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("got %v, want code %s", err, code)
	}
}

// Receipts fold into a moving-average cost; issues leave at it; returns
// come back at the cost they left at; a work order cannot return more than
// it holds, and ReturnWorkOrderTx gives back all it still holds.
func TestReceiveIssueReturn(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.receive(f.Center, f.Pads, 10, 40000)
		m := f.receive(f.Center, f.Pads, 10, 44000)
		if m.BalanceAfter != 20 || m.Kind != inventory.Receipt {
			t.Fatalf("receipt line %+v", m)
		}
		wo := f.workOrder(f.Center)
		out, err := f.Svc.Issue(f.ctx, f.ServiceA, inventory.IssueRequest{SiteID: f.Center, PartID: f.Pads, Quantity: 4, WorkOrderID: wo, Reference: "WO-1"})
		if err != nil {
			t.Fatal(err)
		}
		if out.Quantity != -4 || out.BalanceAfter != 16 || out.UnitCostFen != 42000 {
			t.Fatalf("issue line %+v, want -4, balance 16 at 42000", out)
		}
		var back *inventory.Movement
		err = d.InTx(f.ctx, func(tx *sql.Tx) (err error) {
			back, err = f.Svc.ReturnTx(f.ctx, tx, f.ServiceA, inventory.ReturnRequest{SiteID: f.Center, PartID: f.Pads,
				Quantity: 1, WorkOrderID: wo, Reason: "未使用"})
			return err
		})
		if err != nil || back.BalanceAfter != 17 || back.UnitCostFen != 42000 {
			t.Fatalf("return: %v %+v", err, back)
		}
		err = d.InTx(f.ctx, func(tx *sql.Tx) error {
			_, err := f.Svc.ReturnTx(f.ctx, tx, f.ServiceA, inventory.ReturnRequest{SiteID: f.Center, PartID: f.Pads, Quantity: 4, WorkOrderID: wo})
			return err
		})
		wantCode(t, err, apperr.Conflict)
		// Cancelling the work order gives back the 3 it still holds.
		var lines []*inventory.Movement
		err = d.InTx(f.ctx, func(tx *sql.Tx) (err error) {
			lines, err = f.Svc.ReturnWorkOrderTx(f.ctx, tx, f.ServiceA, wo, "WO-1", "工单取消")
			return err
		})
		if err != nil || len(lines) != 1 || lines[0].Quantity != 3 || lines[0].BalanceAfter != 20 {
			t.Fatalf("return all: %v %+v", err, lines)
		}
		if q := f.quantity(f.Center, f.Pads); q != 20 {
			t.Fatalf("stock %d, want 20", q)
		}
		// Nothing more to give back.
		err = d.InTx(f.ctx, func(tx *sql.Tx) (err error) {
			lines, err = f.Svc.ReturnWorkOrderTx(f.ctx, tx, f.ServiceA, wo, "WO-1", "工单取消")
			return err
		})
		if err != nil || len(lines) != 0 {
			t.Fatalf("second return all: %v %+v", err, lines)
		}
		f.verify()
	})
}

// An issue in the caller's transaction rolls back with it: the work order's
// line and the stock movement commit together or not at all.
func TestIssueTxRollsBackWithCaller(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.receive(f.Center, f.Filter, 6, 10000)
		wo := f.workOrder(f.Center)
		boom := errors.New("work order line failed")
		err := d.InTx(f.ctx, func(tx *sql.Tx) error {
			if _, err := f.Svc.IssueTx(f.ctx, tx, f.ServiceA, inventory.IssueRequest{SiteID: f.Center, PartID: f.Filter, Quantity: 2, WorkOrderID: wo}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if q := f.quantity(f.Center, f.Filter); q != 6 {
			t.Fatalf("stock %d after rollback, want 6", q)
		}
		// Beyond the stock: InsufficientStock, a Conflict naming what is there.
		_, err = f.Svc.Issue(f.ctx, f.ServiceA, inventory.IssueRequest{SiteID: f.Center, PartID: f.Filter, Quantity: 7, WorkOrderID: wo})
		var ins *inventory.InsufficientStock
		if !errors.As(err, &ins) || ins.Available != 6 || apperr.CodeOf(err) != apperr.Conflict || apperr.As(err).Fields["quantity"] == "" {
			t.Fatalf("got %v, want InsufficientStock with 6 available", err)
		}
		// A part never stocked there: 0 available.
		_, err = f.Svc.Issue(f.ctx, f.ServiceA, inventory.IssueRequest{SiteID: f.Center, PartID: f.Tyre, Quantity: 1, WorkOrderID: wo})
		if !errors.As(err, &ins) || ins.Available != 0 {
			t.Fatalf("got %v, want InsufficientStock with 0 available", err)
		}
		f.verify()
	})
}

// Several work orders issue the last units at once: exactly the available
// quantity is issued, the rest are refused, stock ends at what is left and
// the ledger still sums to it.
func TestConcurrentIssuesOfLastUnits(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.receive(f.Center, f.Pads, 5, 42000)
		f.receive(f.Center, f.Tyre, 7, 83000)
		for _, c := range []struct {
			part       int64
			n, each    int
			ok, remain int
		}{
			{f.Pads, 12, 1, 5, 0}, // 5 units, 12 work orders asking one each
			{f.Tyre, 6, 2, 3, 1},  // 7 units, 6 work orders asking two each
		} {
			wos := make([]int64, c.n)
			for i := range wos {
				wos[i] = f.workOrder(f.Center)
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			ok, refused := 0, 0
			var other []error
			for i := range c.n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := f.Svc.Issue(f.ctx, f.ServiceA, inventory.IssueRequest{SiteID: f.Center, PartID: c.part,
						Quantity: c.each, WorkOrderID: wos[i]})
					mu.Lock()
					defer mu.Unlock()
					var ins *inventory.InsufficientStock
					switch {
					case err == nil:
						ok++
					case errors.As(err, &ins):
						refused++
					default:
						other = append(other, err)
					}
				}()
			}
			wg.Wait()
			if len(other) > 0 {
				t.Fatalf("unexpected errors: %v", other)
			}
			if ok != c.ok || refused != c.n-c.ok {
				t.Fatalf("part %d: %d issued, %d refused; want %d and %d", c.part, ok, refused, c.ok, c.n-c.ok)
			}
			if q := f.quantity(f.Center, c.part); q != c.remain {
				t.Fatalf("part %d: stock %d, want %d", c.part, q, c.remain)
			}
		}
		f.verify()
	})
}

// A transfer leaves the origin when sent, is on no shelf in transit, and
// reaches the destination when its staff receive it, once.
func TestTransferInTransit(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.receive(f.Warehouse, f.Tyre, 10, 80000)
		tr, err := f.Svc.Send(f.ctx, f.Keeper, inventory.TransferRequest{FromSiteID: f.Warehouse, ToSiteID: f.Center, PartID: f.Tyre, Quantity: 4, Note: "补货"})
		if err != nil {
			t.Fatal(err)
		}
		if !tr.InTransit() || tr.UnitCostFen != 80000 || !strings.HasPrefix(tr.Code, "DB") {
			t.Fatalf("transfer %+v", tr)
		}
		if a, b := f.quantity(f.Warehouse, f.Tyre), f.quantity(f.Center, f.Tyre); a != 6 || b != 0 {
			t.Fatalf("in transit: warehouse %d, center %d; want 6 and 0", a, b)
		}
		f.verify()
		// Another center neither sees nor receives it; the sender cannot receive it.
		_, err = f.Svc.Transfer(f.ctx, f.ServiceB, tr.ID)
		wantCode(t, err, apperr.NotFound)
		_, err = f.Svc.ReceiveTransfer(f.ctx, f.ServiceB, tr.ID)
		wantCode(t, err, apperr.NotFound)
		_, err = f.Svc.ReceiveTransfer(f.ctx, f.Keeper, tr.ID)
		wantCode(t, err, apperr.Forbidden)
		in, err := f.Svc.Transfers(f.ctx, f.ServiceA, inventory.TransferFilter{Status: "in_transit"})
		if err != nil || len(in) != 1 {
			t.Fatalf("center's transfers in transit: %v %d", err, len(in))
		}
		if got, err := f.Svc.Transfers(f.ctx, f.ServiceB, inventory.TransferFilter{}); err != nil || len(got) != 0 {
			t.Fatalf("other center sees %d transfers (%v)", len(got), err)
		}
		tr, err = f.Svc.ReceiveTransfer(f.ctx, f.ServiceA, tr.ID)
		if err != nil || tr.InTransit() || tr.ReceivedBy != "服务顾问甲" {
			t.Fatalf("receive: %v %+v", err, tr)
		}
		_, err = f.Svc.ReceiveTransfer(f.ctx, f.ServiceA, tr.ID)
		wantCode(t, err, apperr.Conflict)
		if q := f.quantity(f.Center, f.Tyre); q != 4 {
			t.Fatalf("center %d, want 4", q)
		}
		// Bad input: to itself, too many, no destination.
		_, err = f.Svc.Send(f.ctx, f.ServiceA, inventory.TransferRequest{FromSiteID: f.Center, ToSiteID: f.Center, PartID: f.Tyre, Quantity: 1})
		wantCode(t, err, apperr.Invalid)
		_, err = f.Svc.Send(f.ctx, f.ServiceA, inventory.TransferRequest{FromSiteID: f.Center, ToSiteID: f.Other, PartID: f.Tyre, Quantity: 5})
		wantCode(t, err, apperr.Conflict)
		_, err = f.Svc.Send(f.ctx, f.ServiceA, inventory.TransferRequest{FromSiteID: f.Center, ToSiteID: 999999, PartID: f.Tyre, Quantity: 1})
		wantCode(t, err, apperr.Invalid)
		// From a location that is not the actor's.
		_, err = f.Svc.Send(f.ctx, f.ServiceB, inventory.TransferRequest{FromSiteID: f.Center, ToSiteID: f.Other, PartID: f.Tyre, Quantity: 1})
		wantCode(t, err, apperr.NotFound)
		f.verify()
	})
}

// A stocktake books the difference with its reason; a count equal to the
// book, a missing reason or a stale book quantity are refused.
func TestStocktake(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.receive(f.Center, f.Filter, 10, 10000)
		m, err := f.Svc.Adjust(f.ctx, f.ServiceA, inventory.AdjustRequest{SiteID: f.Center, PartID: f.Filter, Counted: 8, Reason: "破损 2 件"})
		if err != nil || m.Quantity != -2 || m.BalanceAfter != 8 || m.Reason != "破损 2 件" || m.Kind != inventory.Adjust {
			t.Fatalf("adjust: %v %+v", err, m)
		}
		_, err = f.Svc.Adjust(f.ctx, f.ServiceA, inventory.AdjustRequest{SiteID: f.Center, PartID: f.Filter, Counted: 9})
		wantCode(t, err, apperr.Invalid)
		if apperr.As(err).Fields["reason"] == "" {
			t.Fatalf("missing reason not named: %v", err)
		}
		_, err = f.Svc.Adjust(f.ctx, f.ServiceA, inventory.AdjustRequest{SiteID: f.Center, PartID: f.Filter, Counted: 8, Reason: "复盘"})
		wantCode(t, err, apperr.Invalid)
		_, err = f.Svc.Adjust(f.ctx, f.ServiceA, inventory.AdjustRequest{SiteID: f.Center, PartID: f.Filter, Counted: -1, Reason: "x"})
		wantCode(t, err, apperr.Invalid)
		stale := 10
		_, err = f.Svc.Adjust(f.ctx, f.ServiceA, inventory.AdjustRequest{SiteID: f.Center, PartID: f.Filter, Counted: 9, Expected: &stale, Reason: "x"})
		wantCode(t, err, apperr.Conflict)
		// A part found that was never booked here: up from 0 at the part's cost.
		m, err = f.Svc.Adjust(f.ctx, f.ServiceA, inventory.AdjustRequest{SiteID: f.Station, PartID: f.Pads, Counted: 2, Reason: "盘盈"})
		if err != nil || m.Quantity != 2 || m.UnitCostFen != 42000 {
			t.Fatalf("gain: %v %+v", err, m)
		}
		f.verify()
	})
}

// Staff reach their center and its stations only; another center's
// stock is not found; owners' and sales' calls are forbidden.
func TestAuthorization(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.receive(f.Center, f.Pads, 5, 42000)
		f.receive(f.Station, f.Filter, 5, 10000)
		f.receive(f.Other, f.Tyre, 5, 83000)
		_, _, err := f.Svc.ListStock(f.ctx, f.ServiceB, inventory.StockFilter{SiteID: f.Center})
		wantCode(t, err, apperr.NotFound)
		_, _, err = f.Svc.ListMovements(f.ctx, f.ServiceB, inventory.MovementFilter{SiteID: f.Station})
		wantCode(t, err, apperr.NotFound)
		_, err = f.Svc.Receive(f.ctx, f.ServiceA, inventory.ReceiptRequest{SiteID: f.Other, PartID: f.Tyre, Quantity: 1, Reference: "PO"})
		wantCode(t, err, apperr.NotFound)
		_, err = f.Svc.Adjust(f.ctx, f.ServiceB, inventory.AdjustRequest{SiteID: f.Center, PartID: f.Pads, Counted: 1, Reason: "x"})
		wantCode(t, err, apperr.NotFound)
		woB := f.workOrder(f.Other)
		err = d.InTx(f.ctx, func(tx *sql.Tx) error {
			_, err := f.Svc.IssueTx(f.ctx, tx, f.ServiceA, inventory.IssueRequest{SiteID: f.Other, PartID: f.Tyre, Quantity: 1, WorkOrderID: woB})
			return err
		})
		wantCode(t, err, apperr.NotFound)
		_, _, err = f.Svc.ListStock(f.ctx, f.Sales, inventory.StockFilter{})
		wantCode(t, err, apperr.Forbidden)
		_, err = f.Svc.Receive(f.ctx, nil, inventory.ReceiptRequest{SiteID: f.Center})
		wantCode(t, err, apperr.Unauthenticated)

		page, sum, err := f.Svc.ListStock(f.ctx, f.ServiceA, inventory.StockFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Total.N != 2 || len(page.Items) != 2 || sum.ValueFen != 5*42000+5*10000 {
			t.Fatalf("center A sees %d rows worth %d: %+v", sum.Total.N, sum.ValueFen, page.Items)
		}
		for _, r := range page.Items {
			if r.SiteID == f.Other {
				t.Fatal("center A sees center B's stock")
			}
		}
		page, sum, err = f.Svc.ListStock(f.ctx, f.Admin, inventory.StockFilter{Limit: 2})
		if err != nil || sum.Total.N != 3 || len(page.Items) != 2 || !page.HasNext() {
			t.Fatalf("admin first page: %v %d %d", err, sum.Total.N, len(page.Items))
		}
		page, _, err = f.Svc.ListStock(f.ctx, f.Admin, inventory.StockFilter{Limit: 2, Cursor: page.NextCursor})
		if err != nil || len(page.Items) != 1 || page.HasNext() {
			t.Fatalf("admin second page: %v %d", err, len(page.Items))
		}
		locs, err := f.Svc.Locations(f.ctx, f.ServiceA)
		if err != nil || len(locs) != 2 {
			t.Fatalf("center A's locations: %v %d", err, len(locs))
		}
		mv, total, err := f.Svc.ListMovements(f.ctx, f.ServiceA, inventory.MovementFilter{})
		if err != nil || total.N != 2 || len(mv.Items) != 2 {
			t.Fatalf("center A's movements: %v %d", err, total.N)
		}
	})
}

// Taking stock to its reorder point notifies the location's service staff
// once; the low-stock filter lists it; export writes the filtered rows.
func TestLowStock(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.receive(f.Center, f.Pads, 5, 42000) // reorder level 3 (the part's default)
		f.receive(f.Center, f.Filter, 50, 10000)
		wo := f.workOrder(f.Center)
		for range 3 {
			if _, err := f.Svc.Issue(f.ctx, f.ServiceA, inventory.IssueRequest{SiteID: f.Center, PartID: f.Pads, Quantity: 1, WorkOrderID: wo}); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := d.QueryRowContext(f.ctx, `SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'stock.low'`, f.ServiceA.ID).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d low-stock notifications (%v), want 1", n, err)
		}
		if err := d.QueryRowContext(f.ctx, `SELECT count(*) FROM notifications WHERE user_id = $1`, f.ServiceB.ID).Scan(&n); err != nil || n != 0 {
			t.Fatalf("other center notified %d times", n)
		}
		page, sum, err := f.Svc.ListStock(f.ctx, f.ServiceA, inventory.StockFilter{Low: true})
		if err != nil || sum.Total.N != 1 || page.Items[0].PartID != f.Pads || !page.Items[0].Low() {
			t.Fatalf("low list: %v %+v", err, page.Items)
		}
		if err := f.Svc.SetReorderLevel(f.ctx, f.ServiceA, f.Center, f.Filter, 60); err != nil {
			t.Fatal(err)
		}
		wantCode(t, f.Svc.SetReorderLevel(f.ctx, f.ServiceA, f.Center, f.Filter, -1), apperr.Invalid)
		wantCode(t, f.Svc.SetReorderLevel(f.ctx, f.ServiceB, f.Center, f.Filter, 1), apperr.NotFound)
		var buf bytes.Buffer
		rows, err := f.Svc.ExportStock(f.ctx, f.ServiceA, inventory.StockFilter{Low: true}, listing.NewCSVWriter(&buf))
		if err != nil || rows != 2 || !strings.Contains(buf.String(), "前制动片") || !strings.Contains(buf.String(), "空调滤芯") {
			t.Fatalf("export: %v %d\n%s", err, rows, buf.String())
		}
		buf.Reset()
		rows, err = f.Svc.ExportMovements(f.ctx, f.ServiceA, inventory.MovementFilter{Kind: inventory.Issue}, listing.NewCSVWriter(&buf))
		if err != nil || rows != 3 {
			t.Fatalf("movement export: %v %d", err, rows)
		}
		f.verify()
	})
}

// The ledger is append-only in the database itself.
func TestLedgerAppendOnly(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		m := f.receive(f.Center, f.Pads, 5, 42000)
		if _, err := d.ExecContext(f.ctx, `UPDATE stock_movements SET quantity = 50 WHERE id = $1`, m.ID); err == nil {
			t.Fatal("a ledger line was edited")
		}
		if _, err := d.ExecContext(f.ctx, `DELETE FROM stock_movements WHERE id = $1`, m.ID); err == nil {
			t.Fatal("a ledger line was deleted")
		}
		// The invariant check notices a stock row edited behind the ledger's back.
		if _, err := d.ExecContext(f.ctx, `UPDATE part_stock SET quantity = 6 WHERE site_id = $1 AND part_id = $2`, f.Center, f.Pads); err != nil {
			t.Fatal(err)
		}
		bad, err := inventory.Verify(f.ctx, d)
		if err != nil || len(bad) != 1 {
			t.Fatalf("verify after tampering: %v %v", err, bad)
		}
	})
}

// Catalogue: admins create and edit parts with compatible models; staff
// read; duplicates and bad input are named.
func TestCatalogue(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		in := inventory.PartInput{SKU: "p-wiper", Name: "雨刮片(对)", Category: "保养件", Unit: "对", PriceFen: 19800, CostFen: 12000,
			ReorderLevel: 10, Active: true, ModelIDs: []int64{f.Model}}
		p, err := f.Svc.SavePart(f.ctx, f.Admin, 0, in)
		if err != nil || p.SKU != "P-WIPER" || p.Models() != "启航 ES6" {
			t.Fatalf("create: %v %+v", err, p)
		}
		_, err = f.Svc.SavePart(f.ctx, f.ServiceA, 0, in)
		wantCode(t, err, apperr.Forbidden)
		_, err = f.Svc.SavePart(f.ctx, f.Admin, 0, in)
		if apperr.As(err) == nil || apperr.As(err).Fields["sku"] == "" {
			t.Fatalf("duplicate sku: %v", err)
		}
		bad := in
		bad.SKU, bad.Name, bad.PriceFen = "坏 编号", "", -1
		_, err = f.Svc.SavePart(f.ctx, f.Admin, 0, bad)
		if e := apperr.As(err); e == nil || e.Fields["sku"] == "" || e.Fields["name"] == "" || e.Fields["price_fen"] == "" {
			t.Fatalf("bad input: %v", err)
		}
		in.ModelIDs, in.Active = nil, false
		p, err = f.Svc.SavePart(f.ctx, f.Admin, p.ID, in)
		if err != nil || p.Models() != "全部车型" || p.Active {
			t.Fatalf("update: %v %+v", err, p)
		}
		_, err = f.Svc.Receive(f.ctx, f.Admin, inventory.ReceiptRequest{SiteID: f.Center, PartID: p.ID, Quantity: 1, Reference: "PO"})
		wantCode(t, err, apperr.Invalid)
		ps, err := f.Svc.Parts(f.ctx, f.ServiceA, inventory.PartFilter{Query: "制动"})
		if err != nil || len(ps) != 1 || ps[0].ID != f.Pads {
			t.Fatalf("search: %v %d", err, len(ps))
		}
	})
}
