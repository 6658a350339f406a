package account

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// Service manages accounts and sessions.
type Service struct {
	db    *db.DB
	now   func() time.Time
	argon argonLimiter
	// argonRuns counts the argon2id computations this service started (a
	// measure for tests: throttled requests must not reach argon2id).
	argonRuns atomic.Int64
	// demoHash is the argon2id hash of the demo password once
	// SetDemoPassword turned demo mode on; empty otherwise.
	demoHash string
}

// NewService returns a Service on d; now may be nil for time.Now.
func NewService(d *db.DB, now func() time.Time) *Service {
	return &Service{db: d, now: db.UTC(now), argon: newArgonLimiter()}
}

// RegisterInput is what a person fills in to register an owner account.
type RegisterInput struct {
	Mobile    string
	Name      string
	Password  string
	Password2 string
	// IP is the client's address, for the registration throttle; empty for
	// trusted in-process callers (tests, command line), which are not
	// throttled.
	IP string
	// Then, when set, runs in the registration's transaction after the
	// account and its customer record are written; its error undoes the
	// registration. The campaign area uses it to link a friend who
	// registers through a referral link (campaign.Service.RegisterFriend).
	Then func(ctx context.Context, tx *sql.Tx, userID, customerID int64) error
}

// ErrMobileUnavailable is the one answer when a mobile number already
// belongs to an account or to a customer record: it does not say which.
var ErrMobileUnavailable = apperr.Field("mobile",
	"该手机号无法自助注册：如已有账号请直接登录；如已在门店购车，请联系门店或拨打 400-820-0000 开通车主账号")

// Register creates an owner account with a new customer record (a prospect:
// kind 'prospect', stage 'lead', source 'app'). Self-registration never links
// to an existing customer record, since nothing proves that the person owns
// the mobile number (there is no SMS gateway yet): a mobile number that
// belongs to an account or a customer is refused with ErrMobileUnavailable.
// Linking a customer to an account is a staff task (planned).
//
// Cheap work comes first: validation, the per-address throttle (more than
// maxRegisterAttempts valid attempts within the window: RateLimited with the
// minutes left in the message and the exact time left in RetryAfter),
// the mobile lookup; only then the argon2id hash, within the service's
// argon2id limit (ErrBusy when no slot frees up in time).
func (s *Service) Register(ctx context.Context, in RegisterInput) (*identity.User, error) {
	in.Mobile = strings.TrimSpace(in.Mobile)
	in.Name = strings.TrimSpace(in.Name)
	var v apperr.Validator
	v.Check(ValidMobile(in.Mobile), "mobile", "请输入 11 位中国大陆手机号")
	v.Check(validName(in.Name), "name", "姓名须为 2 到 20 个字")
	v.Check(ValidPassword(in.Password), "password", "密码长度须为 8 到 72 个字符")
	v.Check(in.Password == in.Password2, "password2", "两次输入的密码不一致")
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	if in.IP != "" {
		limits := []limit{{"register:" + throttleAddr(in.IP), maxRegisterAttempts}}
		until, err := s.activeLock(ctx, limits, now)
		if err == nil && until.IsZero() {
			until, err = s.countAttempt(ctx, limits, now)
		}
		if err != nil {
			return nil, err
		}
		if !until.IsZero() {
			return nil, registerLocked(until, now)
		}
	}
	if taken, err := mobileTaken(ctx, s.db, in.Mobile); err != nil || taken {
		if err == nil {
			err = ErrMobileUnavailable
		}
		return nil, err
	}
	hash, err := s.hashPassword(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		// Checked again: the number may have been taken while hashing.
		if taken, err := mobileTaken(ctx, tx, in.Mobile); err != nil || taken {
			if err == nil {
				err = ErrMobileUnavailable
			}
			return err
		}
		customerID, err := customer.CreateProspect(ctx, tx, customer.Prospect{Name: in.Name, Mobile: in.Mobile}, now)
		if errors.Is(err, customer.ErrMobileTaken) {
			return ErrMobileUnavailable
		}
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO users (mobile, display_name, role, password_hash, customer_id, active, created_at, updated_at)
			VALUES ($1, $2, 'owner', $3, $4, $5, $6, $6) RETURNING id`, in.Mobile, in.Name, hash, customerID, true, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return ErrMobileUnavailable
		}
		if err != nil {
			return err
		}
		if in.Then != nil {
			if err := in.Then(ctx, tx, id, customerID); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: id, Action: "register", Entity: "users", EntityID: id})
	})
	if err != nil {
		return nil, err
	}
	return s.User(ctx, id)
}

// mobileTaken reports whether mobile belongs to an account or a customer.
func mobileTaken(ctx context.Context, q db.Querier, mobile string) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE mobile = $1`, mobile).Scan(&n); err != nil || n > 0 {
		return n > 0, err
	}
	return customer.MobileKnown(ctx, q, mobile)
}

// StaffInput describes a staff account an admin creates.
type StaffInput struct {
	Username    string
	DisplayName string
	Role        identity.Role
	SiteID      int64
	Mobile      string
	Password    string
	// Demo gives the account DemoHash instead of a password (Password is
	// then ignored): it logs in with the demo password only in demo mode.
	// Only the system actor may set it.
	Demo bool
}

// CreateStaff creates a staff account, audited. Only an admin or the system
// actor (command line) may call it, and only the system actor with in.Demo
// (Forbidden otherwise); bad input is Invalid with the fields named.
func (s *Service) CreateStaff(ctx context.Context, actor *identity.User, in StaffInput) (*identity.User, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleAdmin, identity.RoleSystem) {
		return nil, apperr.New(apperr.Forbidden, "只有管理员可以创建员工账号")
	}
	if in.Demo {
		if err := requireSystem(actor); err != nil {
			return nil, err
		}
	}
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Mobile = strings.TrimSpace(in.Mobile)
	var v apperr.Validator
	v.Check(ValidUsername(in.Username), "username", "用户名须为 3 到 32 位小写字母、数字或 _ . -，以字母开头")
	v.Check(validName(in.DisplayName), "display_name", "姓名须为 2 到 20 个字")
	v.Check(in.Role == identity.RoleSales || in.Role == identity.RoleService || in.Role == identity.RoleAdmin, "role", "请选择角色：销售顾问、服务顾问或管理员")
	v.Check(in.Mobile == "" || ValidMobile(in.Mobile), "mobile", "请输入 11 位中国大陆手机号，或留空")
	v.Check(in.Demo || ValidPassword(in.Password), "password", "密码长度须为 8 到 72 个字符")
	if in.Role == identity.RoleSales || in.Role == identity.RoleService {
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
		want := map[identity.Role]string{identity.RoleSales: "store", identity.RoleService: "service_center"}[in.Role]
		if want != "" && kind != want {
			return nil, apperr.Field("site_id", map[identity.Role]string{identity.RoleSales: "销售顾问须归属门店", identity.RoleService: "服务顾问须归属服务中心"}[in.Role])
		}
	}
	hash := DemoHash
	if !in.Demo {
		var err error
		if hash, err = s.hashPassword(ctx, in.Password); err != nil {
			return nil, err
		}
	}
	now := s.now()
	var id int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO users (username, mobile, display_name, role, password_hash, site_id, active, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
			in.Username, nullString(in.Mobile), in.DisplayName, string(in.Role), hash, nullID(in.SiteID), true, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return apperr.Field("username", "用户名或手机号已被使用")
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "create_staff", Entity: "users", EntityID: id,
			Detail: map[string]any{"username": in.Username, "role": in.Role}})
	})
	if err != nil {
		return nil, err
	}
	return s.User(ctx, id)
}

// User returns the user with id, or a NotFound error.
func (s *Service) User(ctx context.Context, id int64) (*identity.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+userFrom+`WHERE u.id = $1`, id))
	if db.NoRows(err) {
		return nil, apperr.New(apperr.NotFound, "用户不存在")
	}
	return u, err
}

// UserByLogin returns the user whose username or mobile is login. Only the
// system actor or an admin may call it (Forbidden); NotFound when none.
func (s *Service) UserByLogin(ctx context.Context, actor *identity.User, login string) (*identity.User, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleAdmin, identity.RoleSystem) {
		return nil, apperr.New(apperr.Forbidden, "无权查找账号")
	}
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+userFrom+`WHERE u.username = $1 OR u.mobile = $2`,
		strings.ToLower(strings.TrimSpace(login)), strings.TrimSpace(login)))
	if db.NoRows(err) {
		return nil, apperr.New(apperr.NotFound, "用户不存在")
	}
	return u, err
}

// ErrBadCredentials is the one answer for an unknown login or a wrong
// password, so that the two cannot be told apart.
var ErrBadCredentials = apperr.New(apperr.Unauthenticated, "用户名/手机号或密码错误")

// Authenticate checks a login (username or mobile) and password.
//
// It resolves the user first (one cheap query), then counts the attempt,
// before any password is checked, on three keys within throttleWindow: the
// pair (account, clientIP) up to maxPairAttempts, clientIP up to
// maxAddressAttempts and the account from any address up to
// maxAccountAttempts. The account is the user id when the login exists (so
// username and mobile share one counter) and the lower-cased login name
// otherwise. An attempt beyond a limit locks that key for lockDuration and is
// refused with a RateLimited error, unchecked, whose RetryAfter is the time
// left of the lock. A successful login clears its pair key and takes its
// count back from the other two, so that successful logins from one office
// address use up nothing; only failures add up.
//
// An unknown login, a wrong password and a disabled account all return
// ErrBadCredentials after the same work (an unknown login is checked against
// a dummy hash). The check runs within the service's argon2id limit
// (ErrBusy when no slot frees up in time; such an attempt is not counted).
func (s *Service) Authenticate(ctx context.Context, login, password, clientIP string) (*identity.User, error) {
	login = strings.TrimSpace(login)
	if login == "" || password == "" {
		return nil, apperr.Field("username", "请输入用户名/手机号和密码")
	}
	if len(login) > 64 || len(password) > 1024 {
		// No account has such a login or password (usernames have at most
		// 32 characters, passwords at most 72): refuse without work.
		return nil, ErrBadCredentials
	}
	name := strings.ToLower(login)
	var hash string
	var id int64
	var active bool
	err := s.db.QueryRowContext(ctx, `SELECT id, password_hash, active FROM users WHERE username = $1 OR mobile = $2`,
		name, login).Scan(&id, &hash, &active)
	found := err == nil
	if err != nil && !db.NoRows(err) {
		return nil, err
	}
	acct := "name:" + name
	if found {
		acct = "user:" + strconv.FormatInt(id, 10)
	}
	checked, demo := hash, false
	switch {
	case found && hash == DemoHash && s.demoHash != "":
		// Demo mode: a demo account is checked against the demo password.
		checked, demo = s.demoHash, true
	case !found || !strings.HasPrefix(hash, "$argon2id$"):
		// Spend the same time as for a wrong password, so that response
		// times do not tell which login names exist (or have no password,
		// or are demo accounts outside demo mode).
		checked = dummyHash()
	}
	addr := throttleAddr(clientIP)
	limits := []limit{{"pair:" + acct + "@" + addr, maxPairAttempts}}
	if addr != "" {
		limits = append(limits, limit{"ip:" + addr, maxAddressAttempts})
	}
	// The account-wide limit bounds guessing from many addresses; it does not
	// apply to an address this account has logged in from before, so that an
	// attacker with many addresses cannot lock the owner out of their usual one.
	known := false
	if found && clientIP != "" {
		var one int
		err := s.db.QueryRowContext(ctx, `SELECT 1 FROM audit_log WHERE user_id = $1 AND action = 'login' AND ip = $2 LIMIT 1`,
			id, cleanText(clientIP, 64)).Scan(&one)
		if err != nil && !db.NoRows(err) {
			return nil, err
		}
		known = err == nil
	}
	if !known {
		limits = append(limits, limit{"account:" + acct, maxAccountAttempts})
	}

	now := s.now()
	until, err := s.activeLock(ctx, limits, now)
	if err == nil && until.IsZero() {
		until, err = s.countAttempt(ctx, limits, now)
	}
	if err != nil {
		return nil, err
	}
	if !until.IsZero() {
		return nil, loginLocked(until, now)
	}
	ok, err := s.checkPassword(ctx, checked, password)
	if err != nil {
		// Not checked (no argon2id slot): the attempt does not count.
		bg := context.WithoutCancel(ctx)
		if uerr := s.db.InTx(bg, func(tx *sql.Tx) error { return uncount(bg, tx, limits) }); uerr != nil {
			return nil, uerr
		}
		return nil, err
	}
	if !found || (checked != hash && !demo) || !ok || !active {
		return nil, ErrBadCredentials
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE login_key = $1`, limits[0].key); err != nil {
			return err
		}
		if err := uncount(ctx, tx, limits[1:]); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE users SET last_login_at = $1 WHERE id = $2`, now, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.User(ctx, id)
}

// LoginInput is a login attempt from a client.
type LoginInput struct {
	Login         string // username or mobile
	Password      string
	IP            string // the client's address (throttling, audit)
	UserAgent     string
	PreviousToken string // the session the client had, ended by the login
}

// Login authenticates in (see Authenticate for the throttling and the
// errors) and opens a new session, ending the previous one (see
// StartSession). Anyone may call it.
func (s *Service) Login(ctx context.Context, in LoginInput) (*identity.User, *Session, error) {
	u, err := s.Authenticate(ctx, in.Login, in.Password, in.IP)
	if err != nil {
		return nil, nil, err
	}
	sess, err := s.StartSession(ctx, u.ID, in.PreviousToken, in.IP, in.UserAgent)
	if err != nil {
		return nil, nil, err
	}
	return u, sess, nil
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
