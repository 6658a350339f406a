package vehicle

import (
	"context"

	"github.com/nevcrm/nevcrm/internal/db"
)

// Terms are a vehicle model's warranty terms, counted from delivery: the
// whole vehicle and the battery with electric drive (三电), each in years
// or kilometres, whichever comes first.
type Terms struct {
	VehicleYears, VehicleKM int
	BatteryYears, BatteryKM int
}

// DefaultTerms apply to a model without a row in warranty_terms: 3 years
// or 100,000 km for the whole vehicle, 8 years or 160,000 km for the
// battery and electric drive (三电).
var DefaultTerms = Terms{VehicleYears: 3, VehicleKM: 100_000, BatteryYears: 8, BatteryKM: 160_000}

// TermsOf returns model modelID's warranty terms through q (DefaultTerms
// when the model has none).
func TermsOf(ctx context.Context, q db.Querier, modelID int64) (Terms, error) {
	var t Terms
	err := q.QueryRowContext(ctx, `SELECT vehicle_years, vehicle_km, battery_years, battery_km FROM warranty_terms WHERE model_id = $1`,
		modelID).Scan(&t.VehicleYears, &t.VehicleKM, &t.BatteryYears, &t.BatteryKM)
	if db.NoRows(err) {
		return DefaultTerms, nil
	}
	return t, err
}
