package vehicle

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
)

// This file is how a sold car enters the vehicles table: the sales
// delivery (internal/sales) registers it through the caller's transaction,
// with a VIN whose check digit is right and a new-energy plate.

// vinValue transliterates a VIN character (ISO 3779 / GB 16735); I, O and
// Q are not allowed.
func vinValue(c byte) (int, bool) {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0'), true
	case c >= 'A' && c <= 'H':
		return int(c-'A') + 1, true
	case c >= 'J' && c <= 'N':
		return int(c-'J') + 1, true
	case c == 'P':
		return 7, true
	case c == 'R':
		return 9, true
	case c >= 'S' && c <= 'Z':
		return int(c-'S') + 2, true
	}
	return 0, false
}

var vinWeights = [17]int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}

// VINCheckDigit returns the check digit (position 9) a 17-character VIN
// must carry: transliterate, weight, sum, modulo 11, 10 → 'X'.
func VINCheckDigit(vin string) (byte, bool) {
	if len(vin) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v, ok := vinValue(vin[i])
		if !ok {
			return 0, false
		}
		sum += v * vinWeights[i]
	}
	if r := sum % 11; r < 10 {
		return byte('0' + r), true
	}
	return 'X', true
}

// ValidVIN reports whether vin has 17 allowed characters and the right
// check digit.
func ValidVIN(vin string) bool {
	d, ok := VINCheckDigit(vin)
	return ok && vin[8] == d
}

// vinYear is the model-year code (position 10) for 2010-2030.
const vinYear = "ABCDEFGHJKLMNPRSTVWXY"

// NewVIN returns the maker's VIN (WMI "LNE") for the model with id modelID,
// model year year (2010-2030) and a factory serial, with its check digit:
// the VIN the factory stamps on a car built for an order.
func NewVIN(modelID int64, year, serial int) string {
	const models = "ABCDEFGHJKLMNPRSTUVWXYZ"
	if year < 2010 || year > 2030 {
		year = 2030
	}
	s := strconv.Itoa(serial % 1000000)
	b := []byte("LNE" + "A" + string(models[int(modelID-1+int64(len(models)))%len(models)]) + "3C" + "E" + "0" +
		string(vinYear[year-2010]) + "S" + strings.Repeat("0", 6-len(s)) + s)
	d, _ := VINCheckDigit(string(b))
	b[8] = d
	return string(b)
}

var plateRE = regexp.MustCompile(`^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][DF][A-HJ-NP-Z0-9][0-9]{4}$`)

// ValidPlate reports whether p is a small-car new-energy plate (GA
// 36-2018): province, city letter, D (battery electric) or F (other new
// energy), one letter or digit, four digits.
func ValidPlate(p string) bool { return plateRE.MatchString(p) }

// PlateFits reports whether plate p's series letter fits the powertrain:
// D for battery electric (BEV), F for the others.
func PlateFits(p, powertrain string) bool {
	r := []rune(p)
	return len(r) == 8 && (r[2] == 'D') == (powertrain == "BEV")
}

// Model is a vehicle model as the sales forms list it.
type Model struct {
	ID         int64
	Code       string
	Name       string
	Brand      string
	Powertrain string
	PriceFen   int64
	Active     bool
}

// Models returns every model, active first, then by name, read through q.
func Models(ctx context.Context, q db.Querier) ([]Model, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, code, name, brand, powertrain, price_fen, active FROM vehicle_models ORDER BY active DESC, price_fen, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Model
	for rows.Next() {
		var m Model
		if err := rows.Scan(&m.ID, &m.Code, &m.Name, &m.Brand, &m.Powertrain, &m.PriceFen, &m.Active); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ModelByID returns model id read through q, or NotFound.
func ModelByID(ctx context.Context, q db.Querier, id int64) (*Model, error) {
	var m Model
	err := q.QueryRowContext(ctx, `SELECT id, code, name, brand, powertrain, price_fen, active FROM vehicle_models WHERE id = $1`, id).
		Scan(&m.ID, &m.Code, &m.Name, &m.Brand, &m.Powertrain, &m.PriceFen, &m.Active)
	if db.NoRows(err) {
		return nil, apperr.New(apperr.NotFound, "车型不存在")
	}
	return &m, err
}

// NewVehicle is a car handed over to its buyer.
type NewVehicle struct {
	VIN         string
	Plate       string
	CustomerID  int64
	ModelID     int64
	StoreID     int64
	Color       string
	DeliveredAt time.Time
}

// Register inserts a delivered car through q (the delivery's transaction)
// and returns its id. The VIN must have 17 allowed characters and the right
// check digit (Invalid on "vin"), the plate must be a new-energy plate whose
// series fits the model's powertrain (Invalid on "plate"); an unknown model
// is NotFound; a VIN or plate already registered is Invalid on its field.
// The warranty ends are the delivery day plus the model's terms (TermsOf).
// Callers check who may deliver.
func Register(ctx context.Context, q db.Querier, v NewVehicle) (int64, error) {
	v.VIN = strings.ToUpper(strings.TrimSpace(v.VIN))
	v.Plate = strings.ToUpper(strings.TrimSpace(v.Plate))
	m, err := ModelByID(ctx, q, v.ModelID)
	if err != nil {
		return 0, err
	}
	var val apperr.Validator
	val.Check(ValidVIN(v.VIN), "vin", "车架号（VIN）须为 17 位字母数字（不含 I、O、Q）且校验位正确")
	val.Check(ValidPlate(v.Plate), "plate", "车牌须为 8 位新能源号牌，如 沪AD12345")
	if ValidPlate(v.Plate) {
		val.Check(PlateFits(v.Plate, m.Powertrain), "plate", map[bool]string{true: "纯电车型的号牌第三位须为 D", false: "插混/增程车型的号牌第三位须为 F"}[m.Powertrain == "BEV"])
	}
	if err := val.Err(); err != nil {
		return 0, err
	}
	for _, c := range []struct{ col, val, msg string }{{"vin", v.VIN, "该车架号已登记"}, {"plate", v.Plate, "该车牌已登记在其他车辆上"}} {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM vehicles WHERE `+c.col+` = $1`, c.val).Scan(&n); err != nil {
			return 0, err
		}
		if n > 0 {
			return 0, apperr.Field(c.col, c.msg)
		}
	}
	terms, err := TermsOf(ctx, q, v.ModelID)
	if err != nil {
		return 0, err
	}
	at := v.DeliveredAt.UTC()
	day := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
	var id int64
	err = q.QueryRowContext(ctx, `INSERT INTO vehicles (vin, plate, customer_id, model_id, store_id, color, purchased_on, delivered_at,
			warranty_end, battery_warranty_end, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $8, $8) RETURNING id`,
		v.VIN, v.Plate, v.CustomerID, v.ModelID, v.StoreID, v.Color, day, at,
		day.AddDate(terms.VehicleYears, 0, 0), day.AddDate(terms.BatteryYears, 0, 0)).Scan(&id)
	if db.IsUniqueViolation(err) {
		// Registered meanwhile by another delivery (PostgreSQL).
		return 0, apperr.New(apperr.Conflict, "该车架号或车牌刚刚被登记，请核对后重试")
	}
	if err != nil {
		return 0, err
	}
	// The buyer is the car's first owner (vehicle_ownerships).
	if _, err := q.ExecContext(ctx, `INSERT INTO vehicle_ownerships (vehicle_id, customer_id, via, started_at) VALUES ($1, $2, 'delivery', $3)`,
		id, v.CustomerID, at); err != nil {
		return 0, err
	}
	return id, nil
}
