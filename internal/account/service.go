package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
)

// Session and throttling policy.
const (
	SessionTTL        = 7 * 24 * time.Hour
	throttleWindow    = 15 * time.Minute
	lockDuration      = 15 * time.Minute
	maxLoginFailures  = 5  // per login name within throttleWindow
	maxClientFailures = 20 // per client address within throttleWindow
)

// Service manages accounts and sessions.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// NewService returns a Service on d; now may be nil for time.Now.
func NewService(d *db.DB, now func() time.Time) *Service {
	return &Service{db: d, now: db.UTC(now)}
}

// RegisterInput is what an owner fills in to register.
type RegisterInput struct {
	Mobile    string
	Name      string
	Password  string
	Password2 string
	// VINSuffix proves ownership when the mobile already belongs to a customer
	// with vehicles: the last six characters of one of their VINs (stand-in for
	// an SMS code until an SMS gateway is connected).
	VINSuffix string
}

// Register creates an owner account. When the mobile number already belongs
// to a customer (a car bought in a store), the account is linked to that
// customer, after the VIN check for customers who own vehicles.
func (s *Service) Register(ctx context.Context, in RegisterInput) (*User, error) {
	in.Mobile = strings.TrimSpace(in.Mobile)
	in.Name = strings.TrimSpace(in.Name)
	in.VINSuffix = strings.ToUpper(strings.TrimSpace(in.VINSuffix))
	var v apperr.Validator
	v.Check(ValidMobile(in.Mobile), "mobile", "请输入 11 位中国大陆手机号")
	v.Check(validName(in.Name), "name", "姓名须为 2 到 20 个字")
	v.Check(validPassword(in.Password), "password", "密码长度须为 8 到 72 个字符")
	v.Check(in.Password == in.Password2, "password2", "两次输入的密码不一致")
	if err := v.Err(); err != nil {
		return nil, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var id int64
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		var taken int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE mobile = $1`, in.Mobile).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			return apperr.Field("mobile", "该手机号已注册，请直接登录")
		}
		var customerID int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM customers WHERE mobile = $1`, in.Mobile).Scan(&customerID)
		switch {
		case db.NoRows(err):
			err = tx.QueryRowContext(ctx, `INSERT INTO customers (name, mobile, kind, stage, source, created_at, updated_at)
				VALUES ($1, $2, 'owner', 'delivered', 'app', $3, $3) RETURNING id`, in.Name, in.Mobile, now).Scan(&customerID)
			if err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			var vehicles, matches int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN substr(vin, 12, 6) = $2 THEN 1 ELSE 0 END), 0)
				FROM vehicles WHERE customer_id = $1`, customerID, in.VINSuffix).Scan(&vehicles, &matches); err != nil {
				return err
			}
			if vehicles > 0 && matches == 0 {
				return apperr.Field("vin_suffix", "该手机号已登记车辆，请填写其中一辆车车架号（VIN）的后 6 位以验证身份")
			}
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO users (mobile, display_name, role, password_hash, customer_id, active, created_at, updated_at)
			VALUES ($1, $2, 'owner', $3, $4, $5, $6, $6) RETURNING id`, in.Mobile, in.Name, hash, customerID, true, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return apperr.Field("mobile", "该手机号已注册，请直接登录")
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: id, Action: "register", Entity: "users", EntityID: id})
	})
	if err != nil {
		return nil, err
	}
	return s.User(ctx, id)
}

// StaffInput describes a staff account an admin creates.
type StaffInput struct {
	Username    string
	DisplayName string
	Role        Role
	SiteID      int64
	Mobile      string
	Password    string
}

// CreateStaff creates a staff account. actor must be an admin; a nil actor
// means the command line (trusted).
func (s *Service) CreateStaff(ctx context.Context, actor *User, in StaffInput) (*User, error) {
	if actor != nil && !actor.Is(RoleAdmin) {
		return nil, apperr.New(apperr.Forbidden, "只有管理员可以创建员工账号")
	}
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Mobile = strings.TrimSpace(in.Mobile)
	var v apperr.Validator
	v.Check(ValidUsername(in.Username), "username", "用户名须为 3 到 32 位小写字母、数字或 _ . -，以字母开头")
	v.Check(validName(in.DisplayName), "display_name", "姓名须为 2 到 20 个字")
	v.Check(in.Role == RoleSales || in.Role == RoleService || in.Role == RoleAdmin, "role", "请选择角色：销售顾问、服务顾问或管理员")
	v.Check(in.Mobile == "" || ValidMobile(in.Mobile), "mobile", "请输入 11 位中国大陆手机号，或留空")
	v.Check(validPassword(in.Password), "password", "密码长度须为 8 到 72 个字符")
	if in.Role == RoleSales || in.Role == RoleService {
		v.Check(in.SiteID > 0, "site_id", "销售顾问和服务顾问须归属一个门店或服务中心")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if in.SiteID > 0 {
		var kind string
		err := s.db.QueryRowContext(ctx, `SELECT kind FROM sites WHERE id = $1`, in.SiteID).Scan(&kind)
		if db.NoRows(err) {
			return nil, apperr.Field("site_id", "所选网点不存在")
		}
		if err != nil {
			return nil, err
		}
		want := map[Role]string{RoleSales: "store", RoleService: "service_center"}[in.Role]
		if want != "" && kind != want {
			return nil, apperr.Field("site_id", map[Role]string{RoleSales: "销售顾问须归属门店", RoleService: "服务顾问须归属服务中心"}[in.Role])
		}
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var id int64
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO users (username, mobile, display_name, role, password_hash, site_id, active, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
			in.Username, nullString(in.Mobile), in.DisplayName, string(in.Role), hash, nullID(in.SiteID), true, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return apperr.Field("username", "用户名或手机号已被使用")
		}
		if err != nil {
			return err
		}
		var actorID int64
		if actor != nil {
			actorID = actor.ID
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actorID, Action: "create_staff", Entity: "users", EntityID: id,
			Detail: map[string]any{"username": in.Username, "role": in.Role}})
	})
	if err != nil {
		return nil, err
	}
	return s.User(ctx, id)
}

// User returns the user with id, or a NotFound error.
func (s *Service) User(ctx context.Context, id int64) (*User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+userFrom+`WHERE u.id = $1`, id))
	if db.NoRows(err) {
		return nil, apperr.New(apperr.NotFound, "用户不存在")
	}
	return u, err
}

// ListUsers returns accounts for the admin page, staff first, newest first,
// at most limit rows.
func (s *Service) ListUsers(ctx context.Context, actor *User, role Role, limit int) ([]*User, error) {
	if !actor.Is(RoleAdmin) {
		return nil, apperr.New(apperr.Forbidden, "只有管理员可以查看账号列表")
	}
	q := `SELECT ` + userColumns + userFrom
	args := []any{}
	if role != "" {
		q += `WHERE u.role = $1 `
		args = append(args, string(role))
	}
	q += fmt.Sprintf(`ORDER BY CASE WHEN u.role = 'owner' THEN 1 ELSE 0 END, u.id DESC LIMIT %d`, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// ErrBadCredentials is the one answer for an unknown login or a wrong
// password, so that the two cannot be told apart.
var ErrBadCredentials = apperr.New(apperr.Unauthenticated, "用户名/手机号或密码错误")

// Authenticate checks a login (username or mobile) and password, throttling
// repeated failures per login name and per client address.
func (s *Service) Authenticate(ctx context.Context, login, password, clientIP string) (*User, error) {
	login = strings.TrimSpace(login)
	if login == "" || password == "" {
		return nil, apperr.Field("username", "请输入用户名/手机号和密码")
	}
	keys := []string{"login:" + strings.ToLower(login)}
	if clientIP != "" {
		keys = append(keys, "ip:"+clientIP)
	}
	now := s.now()
	for _, k := range keys {
		var until sql.NullTime
		err := s.db.QueryRowContext(ctx, `SELECT locked_until FROM login_failures WHERE login_key = $1`, k).Scan(&until)
		if err != nil && !db.NoRows(err) {
			return nil, err
		}
		if until.Valid && until.Time.After(now) {
			mins := int(until.Time.Sub(now).Minutes()) + 1
			return nil, apperr.New(apperr.RateLimited, fmt.Sprintf("登录失败次数过多，请 %d 分钟后再试", mins))
		}
	}
	var hash string
	var id int64
	var active bool
	err := s.db.QueryRowContext(ctx, `SELECT id, password_hash, active FROM users WHERE username = $1 OR mobile = $2`,
		strings.ToLower(login), login).Scan(&id, &hash, &active)
	if err != nil && !db.NoRows(err) {
		return nil, err
	}
	if err != nil {
		// Spend the same time as for a wrong password, so that response
		// times do not tell which login names exist.
		hash = dummyHash()
	}
	if err != nil || !CheckPassword(hash, password) || !active {
		if err := s.recordFailure(ctx, keys, now); err != nil {
			return nil, err
		}
		return nil, ErrBadCredentials
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM login_failures WHERE login_key = $1`, keys[0]); err != nil {
		return nil, err
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE users SET last_login_at = $1 WHERE id = $2`, now, id); err != nil {
		return nil, err
	}
	return s.User(ctx, id)
}

func (s *Service) recordFailure(ctx context.Context, keys []string, now time.Time) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		for i, k := range keys {
			limit := maxLoginFailures
			if i > 0 {
				limit = maxClientFailures
			}
			// Start a new window when the old one has passed.
			if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE login_key = $1 AND first_failed_at < $2
				AND (locked_until IS NULL OR locked_until < $3)`, k, now.Add(-throttleWindow), now); err != nil {
				return err
			}
			var failures int
			err := tx.QueryRowContext(ctx, `INSERT INTO login_failures (login_key, failures, first_failed_at) VALUES ($1, 1, $2)
				ON CONFLICT (login_key) DO UPDATE SET failures = login_failures.failures + 1
				RETURNING failures`, k, now).Scan(&failures)
			if err != nil {
				return err
			}
			if failures >= limit {
				if _, err := tx.ExecContext(ctx, `UPDATE login_failures SET locked_until = $1 WHERE login_key = $2`,
					now.Add(lockDuration), k); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// dummyHash is an argon2id hash of a random password, checked when a login
// name is unknown.
var dummyHash = sync.OnceValue(func() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h, _ := HashPassword(hex.EncodeToString(b))
	return h
})

// Session is an open login session.
type Session struct {
	Token     string // the cookie value; only its hash is stored
	ExpiresAt time.Time
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// StartSession opens a new session for userID, ending previous (the session
// id is rotated at every login).
func (s *Service) StartSession(ctx context.Context, userID int64, previousToken, clientIP, userAgent string) (*Session, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	now := s.now()
	exp := now.Add(SessionTTL)
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if previousToken != "" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashToken(previousToken)); err != nil {
				return err
			}
		}
		// Housekeeping: drop expired sessions of this user.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND expires_at < $2`, userID, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at, ip, user_agent)
			VALUES ($1, $2, $3, $4, $3, $5, $6)`, hashToken(token), userID, now, exp, clientIP, userAgent)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: userID, Action: "login", Entity: "users", EntityID: userID})
	})
	if err != nil {
		return nil, err
	}
	return &Session{Token: token, ExpiresAt: exp}, nil
}

// SessionUser returns the active user of a session token, or an
// Unauthenticated error for an unknown, expired or disabled one.
func (s *Service) SessionUser(ctx context.Context, token string) (*User, error) {
	if token == "" || len(token) > 100 {
		return nil, apperr.New(apperr.Unauthenticated, "请先登录")
	}
	now := s.now()
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+userFrom+
		`JOIN sessions x ON x.user_id = u.id WHERE x.token_hash = $1 AND x.expires_at > $2 AND u.active = $3`,
		hashToken(token), now, true))
	if db.NoRows(err) {
		return nil, apperr.New(apperr.Unauthenticated, "登录已过期，请重新登录")
	}
	return u, err
}

// EndSession deletes the session of token (logout).
func (s *Service) EndSession(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashToken(token))
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullString(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// CustomerCity returns the city of the owner's customer record ("" if unknown).
func (s *Service) CustomerCity(ctx context.Context, u *User) (string, error) {
	if u == nil || u.CustomerID == 0 {
		return "", nil
	}
	var city string
	err := s.db.QueryRowContext(ctx, `SELECT city FROM customers WHERE id = $1`, u.CustomerID).Scan(&city)
	if db.NoRows(err) {
		return "", nil
	}
	return city, err
}
