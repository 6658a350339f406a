package sales

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

// Order is a vehicle order and, once delivered, its delivery record.
type Order struct {
	ID            int64     `json:"id"`
	Code          string    `json:"code"`
	OpportunityID int64     `json:"opportunity_id"`
	CustomerID    int64     `json:"customer_id"`
	CustomerName  string    `json:"customer_name"`
	Mobile        string    `json:"mobile"`
	StoreID       int64     `json:"store_id"`
	StoreName     string    `json:"store_name"`
	OwnerID       int64     `json:"sales_user_id"`
	OwnerName     string    `json:"sales_user_name"`
	ModelID       int64     `json:"model_id"`
	ModelName     string    `json:"model_name"`
	Powertrain    string    `json:"powertrain"`
	Configuration string    `json:"configuration"`
	Color         string    `json:"color"`
	PriceFen      int64     `json:"price_fen"`
	DiscountFen   int64     `json:"discount_fen"`
	DepositFen    int64     `json:"deposit_fen"`
	Status        string    `json:"status"`
	OrderedAt     time.Time `json:"ordered_at"`
	DeliveredAt   time.Time `json:"delivered_at"`
	VehicleID     int64     `json:"vehicle_id"`
	VIN           string    `json:"vin"`
	Plate         string    `json:"plate"`
	AccountID     int64     `json:"owner_user_id"` // the buyer's owner account, from delivery on
	BindCode      string    `json:"bind_code"`
	// CanWork: the reader may deliver the order.
	CanWork bool `json:"can_work"`
}

// StatusLabel is the order status's Chinese name.
func (o *Order) StatusLabel() string { return OrderStatusLabel(o.Status) }

// BalanceFen is what the buyer still pays at delivery.
func (o *Order) BalanceFen() int64 { return o.PriceFen - o.DiscountFen - o.DepositFen }

const orderColumns = `v.id, v.code, COALESCE(v.opportunity_id, 0), v.customer_id, c.name, c.mobile, v.store_id, st.name,
	COALESCE(v.sales_user_id, 0), COALESCE(u.display_name, ''), v.model_id, m.name, m.powertrain, v.configuration, v.color, v.price_fen,
	v.discount_fen, v.deposit_fen, v.status, v.ordered_at, v.delivered_at, COALESCE(v.vehicle_id, 0), COALESCE(ve.vin, ''),
	COALESCE(ve.plate, ''), COALESCE(v.owner_user_id, 0), v.bind_code`

const orderFrom = ` FROM vehicle_orders v JOIN customers c ON c.id = v.customer_id JOIN sites st ON st.id = v.store_id
	LEFT JOIN users u ON u.id = v.sales_user_id JOIN vehicle_models m ON m.id = v.model_id LEFT JOIN vehicles ve ON ve.id = v.vehicle_id`

func (s *Service) order(ctx context.Context, q db.Querier, id int64) (*Order, error) {
	var o Order
	var delivered sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT `+orderColumns+orderFrom+` WHERE v.id = $1`, id).Scan(&o.ID, &o.Code, &o.OpportunityID, &o.CustomerID,
		&o.CustomerName, &o.Mobile, &o.StoreID, &o.StoreName, &o.OwnerID, &o.OwnerName, &o.ModelID, &o.ModelName, &o.Powertrain, &o.Configuration,
		&o.Color, &o.PriceFen, &o.DiscountFen, &o.DepositFen, &o.Status, &o.OrderedAt, &delivered, &o.VehicleID, &o.VIN, &o.Plate, &o.AccountID, &o.BindCode)
	if db.NoRows(err) {
		return nil, errOrderNotFound
	}
	o.DeliveredAt, o.OrderedAt = timeOf(delivered), o.OrderedAt.UTC()
	return &o, err
}

var errOrderNotFound = apperr.New(apperr.NotFound, "订单不存在")

// GetOrder returns vehicle order id (with its delivery record) if actor
// sees its store (NotFound otherwise). The mobile is masked unless the
// actor works on it.
func (s *Service) GetOrder(ctx context.Context, actor *identity.User, id int64) (*Order, error) {
	if err := begin(actor); err != nil {
		return nil, err
	}
	o, err := s.order(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if !sees(actor, o.StoreID) {
		return nil, errOrderNotFound
	}
	o.CanWork = works(actor, o.StoreID, o.OwnerID)
	if !o.CanWork {
		o.Mobile = identity.MaskMobile(o.Mobile)
		o.BindCode = ""
	}
	return o, nil
}

// OrderInput is a vehicle order on a won deal.
type OrderInput struct {
	ModelID       int64 // 0: the deal's model
	Configuration string
	Color         string
	PriceFen      int64 // 0: the deal's amount
	DiscountFen   int64
	DepositFen    int64
}

// CreateOrder records the vehicle order of won opportunity id (stage
// order): model, configuration, colour, price, discount and deposit, with
// the order code SO + date + number; the deal's amount becomes the price
// less the discount; audited (create_order). One live order per deal.
//
// The owner, a store manager or an admin may call it (Forbidden for a
// colleague's deal; NotFound for another store's). A deal not won is
// Conflict ("请先把商机移到赢单"), as is a second order; bad input is
// Invalid naming the field (model_id, configuration, color, price,
// discount, deposit).
func (s *Service) CreateOrder(ctx context.Context, actor *identity.User, oppID int64, in OrderInput) (*Order, error) {
	if err := begin(actor); err != nil {
		return nil, err
	}
	var v apperr.Validator
	text(&v, &in.Configuration, "configuration", 2, 100, "请填写配置（2 到 100 个字），如 长续航版 · 智驾包")
	text(&v, &in.Color, "color", 0, 20, "颜色不能超过 20 个字")
	v.Check(in.PriceFen >= 0 && in.PriceFen <= 100_000_000_00, "price", "成交价须为 0 到 1 亿元")
	v.Check(in.DiscountFen >= 0, "discount", "优惠不能为负数")
	v.Check(in.DepositFen >= 0, "deposit", "定金不能为负数")
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	var id int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		o, err := s.workOpp(ctx, tx, actor, oppID)
		if err != nil {
			return err
		}
		if o.Stage != "order" {
			return apperr.New(apperr.Conflict, "请先把商机移到「赢单」再录入订单")
		}
		if o.OrderID != 0 {
			return apperr.New(apperr.Conflict, "该商机已有订单")
		}
		model := in.ModelID
		if model == 0 {
			model = o.ModelID
		}
		m, err := vehicle.ModelByID(ctx, tx, model)
		if apperr.Is(err, apperr.NotFound) {
			return apperr.Field("model_id", "请选择有效的车型")
		}
		if err != nil {
			return err
		}
		price := in.PriceFen
		if price == 0 {
			price = o.AmountFen + in.DiscountFen
		}
		if price == 0 {
			price = m.PriceFen
		}
		var val apperr.Validator
		val.Check(price > 0, "price", "请填写成交价")
		val.Check(in.DiscountFen < price, "discount", "优惠须小于成交价")
		val.Check(in.DepositFen <= price-in.DiscountFen, "deposit", "定金不能超过应付金额")
		if err := val.Err(); err != nil {
			return err
		}
		var seq int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM vehicle_orders`).Scan(&seq); err != nil {
			return err
		}
		code := fmt.Sprintf("SO%s%07d", now.In(Shanghai).Format("20060102"), seq)
		err = tx.QueryRowContext(ctx, `INSERT INTO vehicle_orders (code, customer_id, opportunity_id, store_id, sales_user_id, model_id, price_fen,
				discount_fen, deposit_fen, status, ordered_at, configuration, color)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'ordered', $10, $11, $12) RETURNING id`,
			code, o.CustomerID, oppID, o.StoreID, nullID(o.OwnerID), model, price, in.DiscountFen, in.DepositFen, now, in.Configuration, in.Color).Scan(&id)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "该商机已有订单，或订单号冲突，请刷新后重试")
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET amount_fen = $1, model_id = $2, updated_at = $3 WHERE id = $4`,
			price-in.DiscountFen, model, now, oppID); err != nil {
			return err
		}
		if err := customer.AdvanceStage(ctx, tx, o.CustomerID, "ordered", now); err != nil {
			return err
		}
		for _, h := range s.onOrder {
			if err := h(ctx, tx, OrderPlaced{OrderID: id, CustomerID: o.CustomerID, OpportunityID: oppID, OrderedAt: now}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "create_order", Entity: "vehicle_orders", EntityID: id,
			Detail: map[string]any{"code": code, "opportunity_id": oppID, "price_fen": price, "deposit_fen": in.DepositFen}})
	})
	if err != nil {
		return nil, err
	}
	return s.GetOrder(ctx, actor, id)
}

// DeliverInput is what the handover records.
type DeliverInput struct {
	VIN   string
	Plate string
	// Password is the initial password of the buyer's owner account, needed
	// only when the customer has no account yet (8 to 72 characters).
	Password string
}

// SuggestVIN returns a VIN with a correct check digit for order id's
// model, as the factory would stamp it (the form's suggestion); the actor
// must see the order.
func (s *Service) SuggestVIN(ctx context.Context, actor *identity.User, id int64) (string, error) {
	o, err := s.GetOrder(ctx, actor, id)
	if err != nil {
		return "", err
	}
	return vehicle.NewVIN(o.ModelID, s.now().In(Shanghai).Year(), int(o.ID*7919%1000000)), nil
}

// NeedsPassword reports whether delivering order id opens a new owner
// account (the customer has none yet), so the form asks for a password.
func (s *Service) NeedsPassword(ctx context.Context, actor *identity.User, id int64) (bool, error) {
	o, err := s.GetOrder(ctx, actor, id)
	if err != nil {
		return false, err
	}
	acct, err := account.OwnerAccountOf(ctx, s.db, o.CustomerID)
	return acct == 0, err
}

// Deliver hands over order id's car, in one transaction: the vehicle is
// registered through the vehicle service (VIN with a correct check digit,
// a new-energy plate fitting the powertrain), the customer becomes an owner
// through the customer service, the owner account is linked or opened
// through the account service (login by the customer's mobile with
// in.Password), the order is delivered with the vehicle and account, the
// deal moves to delivered (stage history), the bind code is issued when an
// issuer is set (SetBindCodeIssuer), the buyer's inbox welcomes them, and
// it is audited (deliver_order).
//
// The order's consultant, a store manager or an admin may call it
// (Forbidden for a colleague's order; NotFound for another store's). An
// order not in status ordered is Conflict; bad input is Invalid naming the
// field (vin, plate, password).
func (s *Service) Deliver(ctx context.Context, actor *identity.User, id int64, in DeliverInput) (*Order, error) {
	if err := begin(actor); err != nil {
		return nil, err
	}
	o, err := s.GetOrder(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if !works(actor, o.StoreID, o.OwnerID) {
		return nil, errNotYours
	}
	if o.Status != "ordered" {
		return nil, apperr.New(apperr.Conflict, "订单"+o.StatusLabel()+"，不能交付")
	}
	in.VIN = strings.ToUpper(strings.TrimSpace(in.VIN))
	in.Plate = strings.ToUpper(strings.TrimSpace(in.Plate))
	var v apperr.Validator
	v.Check(vehicle.ValidVIN(in.VIN), "vin", "车架号（VIN）须为 17 位字母数字（不含 I、O、Q）且校验位正确")
	v.Check(vehicle.ValidPlate(in.Plate), "plate", "车牌须为 8 位新能源号牌，如 沪AD12345")
	if vehicle.ValidPlate(in.Plate) && !vehicle.PlateFits(in.Plate, o.Powertrain) {
		v.Check(false, "plate", map[bool]string{true: "纯电车型的号牌第三位须为 D", false: "插混/增程车型的号牌第三位须为 F"}[o.Powertrain == "BEV"])
	}
	acct, err := account.OwnerAccountOf(ctx, s.db, o.CustomerID)
	if err != nil {
		return nil, err
	}
	if acct == 0 {
		v.Check(account.ValidPassword(in.Password), "password", "该客户还没有车主账号，请与客户一起设置 8 到 72 个字符的初始登录密码")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	hash := ""
	if acct == 0 {
		if s.hash == nil {
			return nil, apperr.New(apperr.Internal, "无法开通车主账号")
		}
		if hash, err = s.hash(ctx, actor, in.Password); err != nil {
			return nil, err
		}
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		// Read again inside the transaction: another delivery may have won.
		cur, err := s.order(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Status != "ordered" {
			return apperr.New(apperr.Conflict, "订单"+cur.StatusLabel()+"，不能交付")
		}
		vid, err := vehicle.Register(ctx, tx, vehicle.NewVehicle{VIN: in.VIN, Plate: in.Plate, CustomerID: o.CustomerID, ModelID: o.ModelID,
			StoreID: o.StoreID, Color: o.Color, DeliveredAt: now})
		if err != nil {
			return err
		}
		if err := customer.MakeOwner(ctx, tx, o.CustomerID, o.StoreID, o.OwnerID, now); err != nil {
			return err
		}
		userID, opened, err := account.EnsureBuyerAccount(ctx, tx, identity.ID(actor), o.CustomerID, hash, now)
		if err != nil {
			return err
		}
		code := ""
		if s.bindCode != nil {
			if code, err = s.bindCode(ctx, tx, actor, vid); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE vehicle_orders SET status = 'delivered', delivered_at = $1, vehicle_id = $2, owner_user_id = $3, bind_code = $4
			WHERE id = $5 AND status = 'ordered'`, now, vid, userID, code, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = apperr.New(apperr.Conflict, "订单状态已变化，请刷新")
			}
			return err
		}
		if o.OpportunityID != 0 {
			var from string
			if err := tx.QueryRowContext(ctx, `SELECT stage FROM opportunities WHERE id = $1`, o.OpportunityID).Scan(&from); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET stage = 'delivered', probability = 100, closed_at = $1, updated_at = $1 WHERE id = $2`,
				now, o.OpportunityID); err != nil {
				return err
			}
			if err := addHistory(ctx, tx, o.OpportunityID, from, "delivered", identity.ID(actor), o.PriceFen-o.DiscountFen, "交付车辆 "+in.Plate, now); err != nil {
				return err
			}
		}
		if err := notify.Notify(ctx, tx, notify.Notification{UserID: userID, Kind: KindDelivered, Title: "恭喜提车：" + o.ModelName,
			Body: "车牌 " + in.Plate + " 已交付，可在「我的」查看车辆信息、预约保养与充电。", Link: "/owner/", CreatedAt: now}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "deliver_order", Entity: "vehicle_orders", EntityID: id,
			Detail: map[string]any{"vehicle_id": vid, "vin": in.VIN, "plate": in.Plate, "owner_user_id": userID, "account_opened": opened}})
	})
	if err != nil {
		return nil, err
	}
	return s.GetOrder(ctx, actor, id)
}
