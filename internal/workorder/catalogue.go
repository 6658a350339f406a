package workorder

import (
	"context"
	"database/sql"
	"sort"

	"github.com/nevcrm/nevcrm/internal/db"
)

// DefaultOperations is the catalogue of standard operations a new database
// starts with (EnsureDefaults).
var DefaultOperations = []Operation{
	{Code: "OP-CHECK", Name: "常规保养检查", Category: "maintenance", StandardMinutes: 60, Scope: ScopeNone},
	{Code: "OP-FILTER", Name: "更换空调滤芯", Category: "maintenance", StandardMinutes: 20, Scope: ScopeNone},
	{Code: "OP-ALIGN", Name: "四轮定位", Category: "maintenance", StandardMinutes: 60, Scope: ScopeNone},
	{Code: "OP-TYRE", Name: "轮胎拆装与动平衡", Category: "maintenance", StandardMinutes: 45, Scope: ScopeNone},
	{Code: "OP-BRAKE", Name: "更换制动片", Category: "maintenance", StandardMinutes: 60, Scope: ScopeNone},
	{Code: "OP-DIAG", Name: "故障诊断", Category: "diagnosis", StandardMinutes: 30, Scope: ScopeVehicle},
	{Code: "OP-HV-DIAG", Name: "三电系统检测", Category: "diagnosis", StandardMinutes: 60, Scope: ScopeBattery},
	{Code: "OP-ROADTEST", Name: "路试检验", Category: "diagnosis", StandardMinutes: 30, Scope: ScopeVehicle},
	{Code: "OP-SUSP", Name: "悬架部件拆装更换", Category: "repair", StandardMinutes: 120, Scope: ScopeVehicle},
	{Code: "OP-ELEC", Name: "电气部件拆装更换", Category: "repair", StandardMinutes: 60, Scope: ScopeVehicle},
	{Code: "OP-AC", Name: "空调系统维修", Category: "repair", StandardMinutes: 150, Scope: ScopeVehicle},
	{Code: "OP-SOFTWARE", Name: "整车软件升级", Category: "repair", StandardMinutes: 45, Scope: ScopeVehicle},
	{Code: "OP-INSUL", Name: "电池包绝缘检测", Category: "battery", StandardMinutes: 90, Scope: ScopeBattery},
	{Code: "OP-HV-PART", Name: "高压部件更换", Category: "battery", StandardMinutes: 180, Scope: ScopeBattery},
	{Code: "OP-MODULE", Name: "动力电池模组更换", Category: "battery", StandardMinutes: 300, Scope: ScopeBattery},
	{Code: "OP-PANEL", Name: "车身外饰件拆装", Category: "body", StandardMinutes: 90, Scope: ScopeVehicle},
}

// DefaultPartScopes says which warranty covers each part category a new
// database starts with: maintenance and wear items (保养件, 轮胎, 制动系统)
// none, the battery and electric drive (三电系统) the battery warranty, the
// rest the whole-vehicle warranty.
var DefaultPartScopes = map[string]Scope{"保养件": ScopeNone, "轮胎": ScopeNone, "制动系统": ScopeNone,
	"电气": ScopeVehicle, "车身外饰": ScopeVehicle, "底盘悬架": ScopeVehicle, "空调": ScopeVehicle, "三电系统": ScopeBattery}

// EnsureDefaults writes DefaultOperations into an empty service_operations
// and DefaultPartScopes into an empty warranty_part_categories, in one
// transaction; tables that hold rows are left as they are. The server runs
// it at start and the generator before it generates, so that the catalogue
// is data (copied along with a database) rather than part of the schema.
func EnsureDefaults(ctx context.Context, d *db.DB) error {
	return d.InTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM service_operations`).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			for _, o := range DefaultOperations {
				if _, err := tx.ExecContext(ctx, `INSERT INTO service_operations (code, name, category, standard_minutes, warranty_scope, active)
					VALUES ($1, $2, $3, $4, $5, $6)`, o.Code, o.Name, o.Category, o.StandardMinutes, string(o.Scope), true); err != nil {
					return err
				}
			}
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM warranty_part_categories`).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			cats := make([]string, 0, len(DefaultPartScopes))
			for c := range DefaultPartScopes {
				cats = append(cats, c)
			}
			sort.Strings(cats)
			for _, c := range cats {
				if _, err := tx.ExecContext(ctx, `INSERT INTO warranty_part_categories (category, scope) VALUES ($1, $2)`, c, string(DefaultPartScopes[c])); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
