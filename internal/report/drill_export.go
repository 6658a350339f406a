package report

import (
	"context"
	"net/url"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// Drill-down families: the sales rows (/sales/reports/rows, RowsFilter)
// and the service rows (/service/reports/rows, ServiceRowsFilter).
const (
	FamilySales   = "sales"
	FamilyService = "service"
)

// DrillExport is the whole row set behind a report figure, ready to be
// written as a file: its title, period and count.
type DrillExport struct {
	Title  string
	Period Period
	Total  listing.Total // capped at listing.CountCap unless counted exactly
	s      *Service
	rs     *rowSet
}

// DrillExport prepares the export of the rows behind a figure: family is
// FamilySales or FamilyService and q the drill-down's query string (its
// cursor and limit are ignored: every row is written). exact counts every
// row (a background export's progress); otherwise the count stops at
// listing.CountCap. Same permissions as Rows and ServiceRows (Forbidden for
// other roles or stores); a bad filter is Invalid naming the field.
func (s *Service) DrillExport(ctx context.Context, actor *identity.User, family string, q url.Values, exact bool) (*DrillExport, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	q2 := url.Values{}
	for k, v := range q {
		if k != "cursor" && k != "limit" {
			q2[k] = v
		}
	}
	var rs *rowSet
	switch family {
	case FamilySales:
		f, err := RowsFilterFromQuery(q2)
		if err != nil {
			return nil, err
		}
		if rs, err = s.salesRowSet(ctx, actor, f); err != nil {
			return nil, err
		}
	case FamilyService:
		f, err := ServiceRowsFilterFromQuery(q2)
		if err != nil {
			return nil, err
		}
		if rs, err = s.serviceRowSet(ctx, actor, f); err != nil {
			return nil, err
		}
	default:
		return nil, apperr.Field("family", "没有这类明细")
	}
	total, err := s.countSet(ctx, rs, exact)
	if err != nil {
		return nil, err
	}
	return &DrillExport{Title: rs.title, Period: rs.period, Total: total, s: s, rs: rs}, nil
}

// FileName is the download name in format ("csv" or "xlsx"), e.g.
// "订单明细-2026-04-01至2026-06-30.csv".
func (e *DrillExport) FileName(format string) string {
	return e.Title + "-" + e.Period.From + "至" + e.Period.To + "." + format
}

// Write writes every row to out, newest first, as the drill-down page lists
// them (times in Asia/Shanghai, amounts in yuan), in keyset batches of
// listing.ExportBatch rows with no row cap, and closes out. It returns the
// number of rows written.
func (e *DrillExport) Write(ctx context.Context, out listing.Writer) (int, error) {
	return e.s.export(ctx, e.rs, out)
}

// RowsExportJob is the background export of a large drill-down: the
// family, the drill-down's query string and the format.
type RowsExportJob struct {
	Family string `json:"family"`
	Query  string `json:"query"`
	Format string `json:"format"`
}

// Kind names the export job.
func (RowsExportJob) Kind() string { return "export_report_rows" }

// countSet counts rs: exactly, or up to listing.CountCap.
func (s *Service) countSet(ctx context.Context, rs *rowSet, exact bool) (listing.Total, error) {
	if !exact {
		return listing.Count(ctx, s.db, rs.from+rs.w.SQL(), rs.w.Args...)
	}
	n, err := s.count(ctx, rs)
	return listing.Total{N: int(n)}, err
}
