package account_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"golang.org/x/crypto/argon2"
)

var start = time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)

const password = "s3cret-pass"

// passwordHash is the hash of password for users the tests insert directly:
// argon2id with the smallest parameters (64 KiB, one pass), which
// CheckPassword reads from the hash itself, so that the throttling tests'
// hundreds of login attempts cost microseconds instead of ~30 ms each. The
// production parameters are checked in TestPassword; registration, staff
// creation and the dummy hash of unknown logins still use them.
var passwordHash = sync.OnceValue(func() string {
	salt := []byte("fixture-salt-16b")
	key := argon2.IDKey([]byte(password), salt, 1, 64, 1, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=64,t=1,p=1$%s$%s", argon2.Version, b64.EncodeToString(salt), b64.EncodeToString(key))
})

type env struct {
	t     *testing.T
	ctx   context.Context
	db    *db.DB
	clock *dbtest.Clock
	svc   *account.Service
	store int64 // a store
	sc    int64 // a service center
	model int64
}

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), db: d, clock: dbtest.NewClock(start)}
	e.svc = account.NewService(d, e.clock.Now)
	e.store = e.id(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ('ST-1', 'store', '直营店', '上海', '上海', $1) RETURNING id`, start)
	e.sc = e.id(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ('SC-1', 'service_center', '服务中心', '上海', '上海', $1) RETURNING id`, start)
	e.model = e.id(`INSERT INTO vehicle_models (code, brand, name, powertrain, battery_kwh, range_km, price_fen)
		VALUES ('M1', '启航', 'ES6', 'BEV', 75, 520, 25000000) RETURNING id`)
	return e
}

func (e *env) id(q string, args ...any) int64 {
	e.t.Helper()
	var id int64
	if err := e.db.QueryRowContext(e.ctx, q, args...).Scan(&id); err != nil {
		e.t.Fatalf("%v\n%s", err, q)
	}
	return id
}

func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(e.ctx, q, args...).Scan(&n); err != nil {
		e.t.Fatalf("%v\n%s", err, q)
	}
	return n
}

// staff inserts a staff user with the shared password hash.
func (e *env) staff(username string, role identity.Role, site int64) *identity.User {
	e.t.Helper()
	var s any
	if site != 0 {
		s = site
	}
	id := e.id(`INSERT INTO users (username, display_name, role, password_hash, site_id, active, created_at, updated_at)
		VALUES ($1, '员工', $2, $3, $4, $5, $6, $6) RETURNING id`, username, string(role), passwordHash(), s, true, start)
	u, err := e.svc.User(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// owner inserts an owner (mobile login) with the shared password hash.
func (e *env) owner(mobile string) *identity.User {
	e.t.Helper()
	c := e.id(`INSERT INTO customers (name, mobile, kind, stage, created_at, updated_at) VALUES ('车主', $1, 'owner', 'delivered', $2, $2) RETURNING id`, mobile, start)
	id := e.id(`INSERT INTO users (mobile, display_name, role, password_hash, customer_id, active, created_at, updated_at)
		VALUES ($1, '车主', 'owner', $2, $3, $4, $5, $5) RETURNING id`, mobile, passwordHash(), c, true, start)
	u, err := e.svc.User(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func TestPassword(t *testing.T) {
	t.Parallel()
	// "8 到 72 个字符" counts characters, not bytes.
	for pw, want := range map[string]bool{
		"1234567": false, "12345678": true, strings.Repeat("p", 72): true, strings.Repeat("p", 73): false,
		"密码密码密": false, "密码密码密码密码": true, strings.Repeat("密", 72): true, strings.Repeat("密", 73): false,
	} {
		if got := account.ValidPassword(pw); got != want {
			t.Errorf("ValidPassword(%d bytes, %d characters) = %v, want %v", len(pw), utf8.RuneCountInString(pw), got, want)
		}
	}
	h, err := account.HashPassword("正确的密码 123")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash = %q, want argon2id PHC form", h)
	}
	h2, _ := account.HashPassword("正确的密码 123")
	if h == h2 {
		t.Error("two hashes of one password are equal: salt missing")
	}
	cases := []struct {
		name, hash, pw string
		want           bool
	}{
		{"right", h, "正确的密码 123", true},
		{"right, second hash", h2, "正确的密码 123", true},
		{"wrong", h, "正确的密码 124", false},
		{"empty password", h, "", false},
		{"disabled hash", "!", "", false},
		{"disabled hash, any password", "!", "正确的密码 123", false},
		{"empty hash", "", "", false},
		{"bcrypt-looking hash", "$2a$10$abcdefghijklmnopqrstuu", "x", false},
		{"truncated key", h[:strings.LastIndexByte(h, '$')+1], "正确的密码 123", false},
		{"bad salt base64", badSalt(h), "正确的密码 123", false},
		{"wrong algorithm", strings.Replace(h, "argon2id", "argon2i", 1), "正确的密码 123", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := account.CheckPassword(tc.hash, tc.pw); got != tc.want {
				t.Errorf("CheckPassword = %v, want %v", got, tc.want)
			}
		})
	}
}

// badSalt returns hash with its salt replaced by invalid base64.
func badSalt(hash string) string {
	parts := strings.Split(hash, "$")
	parts[4] = "!!!!"
	return strings.Join(parts, "$")
}

func TestRegister(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		ok := account.RegisterInput{Mobile: " 13800000001 ", Name: " 王小明 ", Password: "password1", Password2: "password1"}
		u, err := e.svc.Register(ctx, ok)
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != identity.RoleOwner || u.Mobile != "13800000001" || u.DisplayName != "王小明" || u.CustomerID == 0 || !u.Active {
			t.Fatalf("registered user = %+v", u)
		}
		if n := e.count(`SELECT COUNT(*) FROM customers WHERE id = $1 AND mobile = '13800000001' AND name = '王小明'
			AND kind = 'prospect' AND stage = 'lead' AND source = 'app'`, u.CustomerID); n != 1 {
			t.Error("no prospect customer (lead, source app) created for the new owner")
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'register' AND entity_id = $1`, u.ID); n != 1 {
			t.Errorf("audit rows = %d, want 1", n)
		}

		with := func(f func(*account.RegisterInput)) account.RegisterInput {
			in := account.RegisterInput{Mobile: "13800000002", Name: "李四", Password: "password1", Password2: "password1"}
			f(&in)
			return in
		}
		cases := []struct {
			name  string
			in    account.RegisterInput
			field string
		}{
			{"bad mobile", with(func(in *account.RegisterInput) { in.Mobile = "12345" }), "mobile"},
			{"mobile starting 12", with(func(in *account.RegisterInput) { in.Mobile = "12800000002" }), "mobile"},
			{"mobile with 12 digits", with(func(in *account.RegisterInput) { in.Mobile = "138000000021" }), "mobile"},
			{"short name", with(func(in *account.RegisterInput) { in.Name = "李" }), "name"},
			{"blank name", with(func(in *account.RegisterInput) { in.Name = "   " }), "name"},
			{"long name", with(func(in *account.RegisterInput) { in.Name = strings.Repeat("名", 21) }), "name"},
			{"short password", with(func(in *account.RegisterInput) { in.Password, in.Password2 = "short7!", "short7!" }), "password"},
			{"long password", with(func(in *account.RegisterInput) { in.Password = strings.Repeat("p", 73); in.Password2 = in.Password }), "password"},
			// Length counts characters: 5 Chinese characters are 15 bytes but too short.
			{"short password in characters", with(func(in *account.RegisterInput) { in.Password = "密码密码密"; in.Password2 = in.Password }), "password"},
			{"long password in characters", with(func(in *account.RegisterInput) { in.Password = strings.Repeat("密", 73); in.Password2 = in.Password }), "password"},
			{"mismatched confirmation", with(func(in *account.RegisterInput) { in.Password2 = "password2" }), "password2"},
			{"duplicate mobile", with(func(in *account.RegisterInput) { in.Mobile = "13800000001" }), "mobile"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				users, custs := e.count(`SELECT COUNT(*) FROM users`), e.count(`SELECT COUNT(*) FROM customers`)
				_, err := e.svc.Register(ctx, tc.in)
				apperrtest.WantField(t, err, tc.field)
				if e.count(`SELECT COUNT(*) FROM users`) != users || e.count(`SELECT COUNT(*) FROM customers`) != custs {
					t.Error("refused registration wrote rows")
				}
			})
		}
	})
}

// Self-registration never takes over an existing customer record, and the
// answer does not tell an account from a customer.
func TestRegisterExistingMobile(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		// A car bought in a store: a customer with a vehicle whose VIN ends in
		// the zero-padded vehicle id, as generated VINs do.
		owner := e.id(`INSERT INTO customers (name, mobile, kind, stage, created_at, updated_at) VALUES ('张三', '13900000001', 'owner', 'delivered', $1, $1) RETURNING id`, start)
		e.id(`INSERT INTO vehicles (vin, customer_id, model_id, purchased_on, warranty_end, battery_warranty_end, created_at, updated_at)
			VALUES ('LNBSCU3H5PE000001', $1, $2, $3, $3, $3, $4, $4) RETURNING id`, owner, e.model, start.Truncate(24*time.Hour), start)
		// A prospect known to a store, without vehicles.
		e.id(`INSERT INTO customers (name, mobile, created_at, updated_at) VALUES ('赵六', '13900000002', $1, $1) RETURNING id`, start)
		// An account: an owner with a customer record, and a staff member with a mobile.
		e.owner("13900000003")
		e.id(`INSERT INTO users (username, mobile, display_name, role, password_hash, active, created_at, updated_at)
			VALUES ('li.gong', '13900000004', '李工', 'admin', $1, $2, $3, $3) RETURNING id`, passwordHash(), true, start)

		var messages []string
		for _, mobile := range []string{"13900000001", "13900000002", "13900000003", "13900000004"} {
			t.Run(mobile, func(t *testing.T) {
				users, custs := e.count(`SELECT COUNT(*) FROM users`), e.count(`SELECT COUNT(*) FROM customers`)
				runs := e.svc.ArgonRuns()
				_, err := e.svc.Register(ctx, account.RegisterInput{Mobile: mobile, Name: "张三", Password: "password1", Password2: "password1", IP: "10.0.0.1"})
				apperrtest.WantField(t, err, "mobile")
				if !errors.Is(err, account.ErrMobileUnavailable) {
					t.Errorf("error = %v, want the one generic answer", err)
				}
				messages = append(messages, apperr.As(err).Fields["mobile"])
				if e.count(`SELECT COUNT(*) FROM users`) != users || e.count(`SELECT COUNT(*) FROM customers`) != custs {
					t.Error("refused registration wrote rows")
				}
				if e.svc.ArgonRuns() != runs {
					t.Error("a refused registration hashed the password")
				}
			})
		}
		for _, m := range messages {
			if m != messages[0] || !strings.Contains(m, "400-820-0000") {
				t.Errorf("messages differ or lack the hotline: %q", messages)
				break
			}
		}
		if n := e.count(`SELECT COUNT(*) FROM users WHERE customer_id = $1`, owner); n != 0 {
			t.Error("the store customer's record got an account")
		}
	})
}

func TestRegisterThrottling(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		e.owner("13900000009")
		taken := account.RegisterInput{Mobile: "13900000009", Name: "钱七", Password: "password1", Password2: "password1", IP: "203.0.113.7"}
		// Invalid input is refused before the throttle and does not count.
		for range 3 {
			bad := taken
			bad.Password2 = "other-pass"
			_, err := e.svc.Register(ctx, bad)
			apperrtest.WantField(t, err, "password2")
		}
		for i := range 10 {
			_, err := e.svc.Register(ctx, taken)
			if !errors.Is(err, account.ErrMobileUnavailable) {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
		fresh := taken
		fresh.Mobile = "13900000010"
		_, err := e.svc.Register(ctx, fresh)
		if e := apperr.As(err); e == nil || e.Code != apperr.RateLimited || e.Message != "注册过于频繁，请 15 分钟后再试" || e.RetryAfter != 15*time.Minute {
			t.Fatalf("11th attempt: %#v", err)
		}
		if n := e.count(`SELECT COUNT(*) FROM users WHERE mobile = '13900000010'`); n != 0 {
			t.Fatal("throttled registration wrote")
		}
		other := fresh
		other.IP = "203.0.113.8"
		other.Mobile = "13900000011"
		if _, err := e.svc.Register(ctx, other); err != nil {
			t.Fatalf("from another address: %v", err)
		}
		e.clock.Advance(14 * time.Minute)
		_, err = e.svc.Register(ctx, fresh)
		if e := apperr.As(err); e == nil || e.Code != apperr.RateLimited || e.Message != "注册过于频繁，请 1 分钟后再试" || e.RetryAfter != time.Minute {
			t.Fatalf("a minute before the lock ends: %#v", err)
		}
		e.clock.Advance(2 * time.Minute)
		if _, err := e.svc.Register(ctx, fresh); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
		// Trusted callers (no address) are not throttled.
		for i := range 12 {
			_, err := e.svc.Register(ctx, account.RegisterInput{Mobile: "13900000009", Name: "钱七", Password: "password1", Password2: "password1"})
			if !errors.Is(err, account.ErrMobileUnavailable) {
				t.Fatalf("trusted attempt %d: %v", i+1, err)
			}
		}
	})
}

// Every argon2id computation for a request waits for one of NumCPU slots,
// and gives up after the wait with ErrBusy.
func TestArgonLimit(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		admin := e.staff("root.admin", identity.RoleAdmin, 0)
		e.owner("13700000009")
		if e.svc.ArgonSlots() < 1 {
			t.Fatal("no argon2id slots")
		}
		release := e.svc.HoldArgonSlots(50 * time.Millisecond)
		defer release()

		users := e.count(`SELECT COUNT(*) FROM users`)
		_, err := e.svc.Register(ctx, account.RegisterInput{Mobile: "13900000020", Name: "孙八", Password: "password1", Password2: "password1", IP: "10.0.0.1"})
		if !errors.Is(err, account.ErrBusy) || apperr.As(err).Message != "系统繁忙，请稍后再试" || apperr.As(err).RetryAfter != 2*time.Second {
			t.Fatalf("Register: %v", err)
		}
		_, err = e.svc.CreateStaff(ctx, admin, account.StaffInput{Username: "ops", DisplayName: "运维", Role: identity.RoleAdmin, Password: "password1"})
		if !errors.Is(err, account.ErrBusy) {
			t.Fatalf("CreateStaff: %v", err)
		}
		for _, login := range []string{"13700000009", "nobody"} { // a known login and the dummy-hash path
			_, err = e.svc.Authenticate(ctx, login, password, "10.0.0.1")
			if !errors.Is(err, account.ErrBusy) {
				t.Fatalf("Authenticate(%s): %v", login, err)
			}
		}
		if e.count(`SELECT COUNT(*) FROM users`) != users || e.count(`SELECT COUNT(*) FROM customers WHERE mobile = '13900000020'`) != 0 {
			t.Error("busy requests wrote")
		}
		// A login refused as busy does not count as an attempt.
		if n := e.count(`SELECT COALESCE(SUM(failures), 0) FROM login_failures WHERE login_key NOT LIKE 'register:%'`); n != 0 {
			t.Errorf("busy logins counted: %d", n)
		}
		if e.svc.ArgonRuns() != 0 {
			t.Errorf("argon2id ran %d times without a slot", e.svc.ArgonRuns())
		}
		release()
		if _, err := e.svc.Authenticate(ctx, "13700000009", password, "10.0.0.1"); err != nil {
			t.Fatalf("with free slots: %v", err)
		}
	})
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		staff := e.staff("wang.li", identity.RoleService, e.sc)
		owner := e.owner("13700000001")

		u, err := e.svc.Authenticate(ctx, " Wang.Li ", password, "10.0.0.1")
		if err != nil || u.ID != staff.ID {
			t.Fatalf("by username: %v, %v", u, err)
		}
		if u.LastLoginAt.IsZero() {
			t.Error("last_login_at not set")
		}
		if u.SiteName != "服务中心" {
			t.Errorf("SiteName = %q", u.SiteName)
		}
		u, err = e.svc.Authenticate(ctx, "13700000001", password, "10.0.0.1")
		if err != nil || u.ID != owner.ID {
			t.Fatalf("by mobile: %v, %v", u, err)
		}
		_, err = e.svc.Authenticate(ctx, "wang.li", "wrong-password", "10.0.0.1")
		if !errors.Is(err, account.ErrBadCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
		_, err = e.svc.Authenticate(ctx, "nobody", password, "10.0.0.1")
		if !errors.Is(err, account.ErrBadCredentials) {
			t.Fatalf("unknown login: %v", err)
		}
		_, err = e.svc.Authenticate(ctx, " ", password, "10.0.0.1")
		apperrtest.WantField(t, err, "username")
		_, err = e.svc.Authenticate(ctx, "wang.li", "", "10.0.0.1")
		apperrtest.WantField(t, err, "username")

		// A disabled account cannot log in, even with the right password.
		if _, err := d.ExecContext(ctx, `UPDATE users SET active = $1 WHERE id = $2`, false, owner.ID); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Authenticate(ctx, "13700000001", password, "10.0.0.1")
		if !errors.Is(err, account.ErrBadCredentials) {
			t.Fatalf("disabled account: %v", err)
		}
		// A "!" hash (no password set) never matches.
		if _, err := d.ExecContext(ctx, `UPDATE users SET password_hash = '!' WHERE id = $1`, staff.ID); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Authenticate(ctx, "wang.li", "!", "10.0.0.1")
		if !errors.Is(err, account.ErrBadCredentials) {
			t.Fatalf("disabled hash: %v", err)
		}
	})
}

func TestLoginThrottling(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		owner := e.owner("13700000002")
		e.staff("li.na", identity.RoleSales, e.store)

		for i := range 5 {
			_, err := e.svc.Authenticate(ctx, "13700000002", "wrong-"+fmt.Sprint(i), "10.0.0.1")
			if !errors.Is(err, account.ErrBadCredentials) {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		_, err := e.svc.Authenticate(ctx, "13700000002", password, "10.0.0.1")
		if e := apperr.As(err); e == nil || e.Code != apperr.RateLimited || e.Message != "登录失败次数过多，请 15 分钟后再试" || e.RetryAfter != 15*time.Minute {
			t.Fatalf("locked: %#v", err)
		}
		// The lock is per (account, address): the owner from another address
		// and another login from the same address get in.
		if _, err := e.svc.Authenticate(ctx, "13700000002", password, "10.0.0.2"); err != nil {
			t.Fatalf("the locked account from another address: %v", err)
		}
		if _, err := e.svc.Authenticate(ctx, "li.na", password, "10.0.0.1"); err != nil {
			t.Fatalf("another login from the same address: %v", err)
		}
		e.clock.Advance(14 * time.Minute)
		_, err = e.svc.Authenticate(ctx, "13700000002", password, "10.0.0.1")
		if e := apperr.As(err); e == nil || e.Code != apperr.RateLimited || e.RetryAfter != time.Minute {
			t.Fatalf("a minute before the lock ends: %#v", err)
		}
		e.clock.Advance(2 * time.Minute) // 16 minutes after the lock
		u, err := e.svc.Authenticate(ctx, "13700000002", password, "10.0.0.1")
		if err != nil || u.ID != owner.ID {
			t.Fatalf("after the lock expired: %v, %v", u, err)
		}
		if n := e.count(`SELECT COUNT(*) FROM login_failures WHERE login_key LIKE 'pair:%@10.0.0.1'`); n != 0 {
			t.Errorf("pair counts kept after a successful login: %d", n)
		}
		// A fresh window: four failures do not lock.
		for range 4 {
			_, _ = e.svc.Authenticate(ctx, "13700000002", "wrong", "10.0.0.3")
		}
		if _, err := e.svc.Authenticate(ctx, "13700000002", password, "10.0.0.3"); err != nil {
			t.Fatalf("four failures locked the login: %v", err)
		}
		// Failures spread beyond the window do not add up.
		for range 4 {
			_, _ = e.svc.Authenticate(ctx, "13700000002", "wrong", "10.0.0.4")
		}
		e.clock.Advance(16 * time.Minute)
		_, _ = e.svc.Authenticate(ctx, "13700000002", "wrong", "10.0.0.4")
		if _, err := e.svc.Authenticate(ctx, "13700000002", password, "10.0.0.4"); err != nil {
			t.Fatalf("failures from an old window counted: %v", err)
		}
	})
}

func TestLoginThrottlingPerAddress(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		e.staff("zhao.lei", identity.RoleAdmin, 0)
		// 20 failures from one address, each for a different (unknown) login.
		for i := range 20 {
			_, err := e.svc.Authenticate(ctx, fmt.Sprintf("guess%02d", i), "x", "203.0.113.9")
			if !errors.Is(err, account.ErrBadCredentials) {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		_, err := e.svc.Authenticate(ctx, "zhao.lei", password, "203.0.113.9")
		apperrtest.WantCode(t, err, apperr.RateLimited)
		if _, err := e.svc.Authenticate(ctx, "zhao.lei", password, "203.0.113.10"); err != nil {
			t.Fatalf("from another address: %v", err)
		}
		e.clock.Advance(16 * time.Minute)
		if _, err := e.svc.Authenticate(ctx, "zhao.lei", password, "203.0.113.9"); err != nil {
			t.Fatalf("after the address lock expired: %v", err)
		}
	})
}

// Concurrent wrong passwords from one address: the attempt is counted before
// the password is checked, so only five reach argon2id.
func TestLoginConcurrent(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		admin := e.staff("admin.one", identity.RoleAdmin, 0)
		const n = 30
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.svc.Authenticate(ctx, "admin.one", fmt.Sprintf("wrong-%d", i), "198.51.100.1")
			}()
		}
		wg.Wait()
		var bad, limited int
		for _, err := range errs {
			switch {
			case errors.Is(err, account.ErrBadCredentials):
				bad++
			case apperr.Is(err, apperr.RateLimited) && strings.Contains(err.Error(), "15 分钟后再试"):
				limited++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if bad != 5 || limited != n-5 {
			t.Errorf("%d bad credentials, %d rate limited; want 5 and %d", bad, limited, n-5)
		}
		if runs := e.svc.ArgonRuns(); runs != 5 {
			t.Errorf("%d password checks reached argon2id, want 5", runs)
		}
		// The attacker cannot lock the admin out from another address.
		u, err := e.svc.Authenticate(ctx, "admin.one", password, "198.51.100.2")
		if err != nil || u.ID != admin.ID {
			t.Fatalf("right password from another address: %v", err)
		}
		_, err = e.svc.Authenticate(ctx, "admin.one", password, "198.51.100.1")
		apperrtest.WantCode(t, err, apperr.RateLimited)
		e.clock.Advance(16 * time.Minute)
		if _, err := e.svc.Authenticate(ctx, "admin.one", password, "198.51.100.1"); err != nil {
			t.Fatalf("16 minutes later: %v", err)
		}
	})
}

// The username and the mobile of one user share one counter; an unknown
// login is counted under its lower-cased name.
func TestLoginSharedCounter(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		e.id(`INSERT INTO users (username, mobile, display_name, role, password_hash, active, created_at, updated_at)
			VALUES ('zhou.min', '13500000001', '周敏', 'admin', $1, $2, $3, $3) RETURNING id`, passwordHash(), true, start)
		for i, login := range []string{"zhou.min", "13500000001", "ZHOU.MIN", "13500000001", "zhou.min"} {
			if _, err := e.svc.Authenticate(ctx, login, "wrong", "10.1.1.1"); !errors.Is(err, account.ErrBadCredentials) {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		_, err := e.svc.Authenticate(ctx, "13500000001", password, "10.1.1.1")
		apperrtest.WantCode(t, err, apperr.RateLimited)
		for i, login := range []string{"Ghost", "ghost", "GHOST", "ghost", "gHost"} {
			if _, err := e.svc.Authenticate(ctx, login, "wrong", "10.1.1.1"); !errors.Is(err, account.ErrBadCredentials) {
				t.Fatalf("unknown login failure %d: %v", i+1, err)
			}
		}
		_, err = e.svc.Authenticate(ctx, "ghost", "wrong", "10.1.1.1")
		apperrtest.WantCode(t, err, apperr.RateLimited)
	})
}

// Failures of one account from many addresses add up to 100, which bounds
// distributed guessing; successful logins do not count.
func TestLoginAccountLimit(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		e.owner("13700000005")
		for i := range 100 {
			ip := fmt.Sprintf("10.2.%d.%d", i/50, i%50)
			if _, err := e.svc.Authenticate(ctx, "13700000005", "wrong", ip); !errors.Is(err, account.ErrBadCredentials) {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		runs := e.svc.ArgonRuns()
		_, err := e.svc.Authenticate(ctx, "13700000005", password, "10.3.0.1")
		apperrtest.WantCode(t, err, apperr.RateLimited)
		if e.svc.ArgonRuns() != runs {
			t.Error("a refused login reached argon2id")
		}
		// The refused attempt did not use up the new address's budget.
		if n := e.count(`SELECT COALESCE(SUM(failures), 0) FROM login_failures WHERE login_key = 'ip:10.3.0.1'`); n != 0 {
			t.Errorf("refused attempt counted on its address: %d", n)
		}
		e.clock.Advance(16 * time.Minute)
		if _, err := e.svc.Authenticate(ctx, "13700000005", password, "10.3.0.1"); err != nil {
			t.Fatalf("after the account lock: %v", err)
		}
	})
}

// Many staff behind one office address: successful logins use up none of
// the address's budget of 20 failures.
func TestLoginSuccessesDoNotCount(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		const office = "192.0.2.50"
		names := []string{"a.one", "b.two", "c.three"}
		for _, n := range names {
			e.staff(n, identity.RoleSales, e.store)
		}
		for i := range 19 {
			if _, err := e.svc.Authenticate(ctx, fmt.Sprintf("typo%02d", i), "x", office); !errors.Is(err, account.ErrBadCredentials) {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		for i := range 12 {
			if _, err := e.svc.Authenticate(ctx, names[i%len(names)], password, office); err != nil {
				t.Fatalf("successful login %d: %v", i+1, err)
			}
		}
		if n := e.count(`SELECT failures FROM login_failures WHERE login_key = $1`, "ip:"+office); n != 19 {
			t.Errorf("address count = %d, want the 19 failures only", n)
		}
		if _, err := e.svc.Authenticate(ctx, "typo-last", "x", office); !errors.Is(err, account.ErrBadCredentials) {
			t.Fatalf("20th failure: %v", err)
		}
		_, err := e.svc.Authenticate(ctx, "a.one", password, office)
		apperrtest.WantCode(t, err, apperr.RateLimited)
	})
}

func TestSessions(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		u := e.owner("13700000003")

		s, err := e.svc.StartSession(ctx, u.ID, "", "10.0.0.1", strings.Repeat("UA", 200))
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Token) < 40 || !s.ExpiresAt.Equal(start.Add(account.SessionPolicyFor(identity.RoleOwner).Idle)) {
			t.Fatalf("session = %+v", s)
		}
		got, _, err := e.svc.SessionUser(ctx, s.Token)
		if err != nil || got.ID != u.ID {
			t.Fatalf("SessionUser: %v, %v", got, err)
		}
		// Only the hash is stored.
		if n := e.count(`SELECT COUNT(*) FROM sessions WHERE token_hash = $1`, s.Token); n != 0 {
			t.Error("the token itself is stored")
		}
		sum := sha256.Sum256([]byte(s.Token))
		if n := e.count(`SELECT COUNT(*) FROM sessions WHERE token_hash = $1 AND user_id = $2`, hex.EncodeToString(sum[:]), u.ID); n != 1 {
			t.Error("session row with the token's SHA-256 not found")
		}
		if n := e.count(`SELECT COUNT(*) FROM sessions WHERE length(user_agent) = 300`); n != 1 {
			t.Error("user agent not truncated to 300")
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'login' AND user_id = $1`, u.ID); n != 1 {
			t.Errorf("login audit rows = %d", n)
		}

		for _, bad := range []string{"", "nonsense", strings.Repeat("x", 101), s.Token + "x"} {
			_, _, err := e.svc.SessionUser(ctx, bad)
			apperrtest.WantCode(t, err, apperr.Unauthenticated)
		}

		// Rotation: a new session given the old token ends the old one.
		s2, err := e.svc.StartSession(ctx, u.ID, s.Token, "10.0.0.1", "ua")
		if err != nil {
			t.Fatal(err)
		}
		if s2.Token == s.Token {
			t.Fatal("token not rotated")
		}
		_, _, err = e.svc.SessionUser(ctx, s.Token)
		apperrtest.WantCode(t, err, apperr.Unauthenticated)
		if _, _, err := e.svc.SessionUser(ctx, s2.Token); err != nil {
			t.Fatalf("rotated session: %v", err)
		}

		// Logout.
		s3, err := e.svc.StartSession(ctx, u.ID, "", "10.0.0.2", "other device")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.EndSession(ctx, s3.Token); err != nil {
			t.Fatal(err)
		}
		_, _, err = e.svc.SessionUser(ctx, s3.Token)
		apperrtest.WantCode(t, err, apperr.Unauthenticated)
		if err := e.svc.EndSession(ctx, ""); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.SessionUser(ctx, s2.Token); err != nil {
			t.Fatalf("logout of one device ended another: %v", err)
		}

		// A disabled user's sessions stop working.
		if _, err := d.ExecContext(ctx, `UPDATE users SET active = $1 WHERE id = $2`, false, u.ID); err != nil {
			t.Fatal(err)
		}
		_, _, err = e.svc.SessionUser(ctx, s2.Token)
		apperrtest.WantCode(t, err, apperr.Unauthenticated)
		if _, err := d.ExecContext(ctx, `UPDATE users SET active = $1 WHERE id = $2`, true, u.ID); err != nil {
			t.Fatal(err)
		}

		// Expiry (see TestSessionLifetimes): the next login sweeps the ended session.
		e.clock.Advance(account.SessionPolicyFor(identity.RoleOwner).Idle)
		_, _, err = e.svc.SessionUser(ctx, s2.Token)
		apperrtest.WantCode(t, err, apperr.Unauthenticated)
		if _, err := e.svc.StartSession(ctx, u.ID, "", "", ""); err != nil {
			t.Fatal(err)
		}
		if n := e.count(`SELECT COUNT(*) FROM sessions WHERE user_id = $1`, u.ID); n != 1 {
			t.Errorf("sessions after sweep = %d, want 1", n)
		}
		_, err = e.svc.StartSession(ctx, 999999, "", "", "")
		apperrtest.WantCode(t, err, apperr.NotFound)
	})
}

func TestCreateStaff(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		admin := e.staff("root.admin", identity.RoleAdmin, 0)
		sales := e.staff("sales.one", identity.RoleSales, e.store)
		service := e.staff("svc.one", identity.RoleService, e.sc)
		owner := e.owner("13700000004")

		good := account.StaffInput{Username: " Chen.Jing ", DisplayName: "陈静", Role: identity.RoleService, SiteID: e.sc, Mobile: "13600000001", Password: "password1"}
		for _, actor := range []*identity.User{sales, service, owner} {
			before := e.count(`SELECT COUNT(*) FROM users`)
			_, err := e.svc.CreateStaff(ctx, actor, good)
			apperrtest.WantCode(t, err, apperr.Forbidden)
			if e.count(`SELECT COUNT(*) FROM users`) != before {
				t.Errorf("forbidden CreateStaff by %s wrote", actor.Role)
			}
		}
		_, _, err := e.svc.ListUsers(ctx, sales, account.UserFilter{})
		apperrtest.WantCode(t, err, apperr.Forbidden)

		with := func(f func(*account.StaffInput)) account.StaffInput {
			in := good
			f(&in)
			return in
		}
		cases := []struct {
			name  string
			in    account.StaffInput
			field string
		}{
			{"bad username", with(func(in *account.StaffInput) { in.Username = "1abc" }), "username"},
			{"username with space", with(func(in *account.StaffInput) { in.Username = "chen jing" }), "username"},
			{"short username", with(func(in *account.StaffInput) { in.Username = "ab" }), "username"},
			{"short display name", with(func(in *account.StaffInput) { in.DisplayName = "陈" }), "display_name"},
			{"owner role", with(func(in *account.StaffInput) { in.Role = identity.RoleOwner }), "role"},
			{"bad mobile", with(func(in *account.StaffInput) { in.Mobile = "021-5555" }), "mobile"},
			{"short password", with(func(in *account.StaffInput) { in.Password = "1234567" }), "password"},
			{"sales without site", with(func(in *account.StaffInput) { in.Role, in.SiteID = identity.RoleSales, 0 }), "site_id"},
			{"service without site", with(func(in *account.StaffInput) { in.SiteID = 0 }), "site_id"},
			{"service at a store", with(func(in *account.StaffInput) { in.SiteID = e.store }), "site_id"},
			{"sales at a service center", with(func(in *account.StaffInput) { in.Role = identity.RoleSales }), "site_id"},
			{"unknown site", with(func(in *account.StaffInput) { in.SiteID = 999999 }), "site_id"},
			{"duplicate username", with(func(in *account.StaffInput) { in.Username = "Sales.One" }), "username"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := e.count(`SELECT COUNT(*) FROM users`)
				_, err := e.svc.CreateStaff(ctx, admin, tc.in)
				apperrtest.WantField(t, err, tc.field)
				if e.count(`SELECT COUNT(*) FROM users`) != before {
					t.Error("refused CreateStaff wrote")
				}
			})
		}

		u, err := e.svc.CreateStaff(ctx, admin, good)
		if err != nil {
			t.Fatal(err)
		}
		if u.Username != "chen.jing" || u.Role != identity.RoleService || u.SiteID != e.sc || u.Mobile != "13600000001" || u.CustomerID != 0 {
			t.Fatalf("created = %+v", u)
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'create_staff' AND entity_id = $1 AND user_id = $2`, u.ID, admin.ID); n != 1 {
			t.Errorf("audit rows = %d", n)
		}
		if got, err := e.svc.Authenticate(ctx, "chen.jing", "password1", ""); err != nil || got.ID != u.ID {
			t.Fatalf("new staff cannot log in: %v", err)
		}
		// Duplicate mobile.
		_, err = e.svc.CreateStaff(ctx, admin, with(func(in *account.StaffInput) { in.Username = "chen.two" }))
		apperrtest.WantField(t, err, "username")
		// No actor is refused; the system actor (command line) may create an admin without a site or mobile.
		_, err = e.svc.CreateStaff(ctx, nil, account.StaffInput{Username: "ops", DisplayName: "运维", Role: identity.RoleAdmin, Password: "password1"})
		apperrtest.WantCode(t, err, apperr.Unauthenticated)
		a2, err := e.svc.CreateStaff(ctx, identity.System(), account.StaffInput{Username: "ops", DisplayName: "运维", Role: identity.RoleAdmin, Password: "password1"})
		if err != nil || a2.SiteID != 0 || a2.Mobile != "" {
			t.Fatalf("CLI admin: %+v, %v", a2, err)
		}
		list, _, err := e.svc.ListUsers(ctx, admin, account.UserFilter{Role: identity.RoleService})
		if err != nil || len(list.Items) != 2 || list.Items[0].ID != u.ID {
			t.Fatalf("ListUsers(service) = %v, %v", list.Items, err)
		}
		all, total, err := e.svc.ListUsers(ctx, admin, account.UserFilter{Limit: 100})
		if err != nil || len(all.Items) != 6 || total.N != 6 {
			t.Fatalf("ListUsers = %d users (total %v), %v", len(all.Items), total, err)
		}
	})
}

func TestHelpers(t *testing.T) {
	t.Parallel()
	if got := identity.MaskMobile("13812345678"); got != "138****5678" {
		t.Errorf("MaskedMobile = %q", got)
	}
	if got := identity.MaskMobile("123"); got != "123" {
		t.Errorf("MaskedMobile short = %q", got)
	}
	for _, r := range identity.Roles {
		if !r.Valid() || r.Label() == string(r) || r.Home() != "/"+string(r)+"/" {
			t.Errorf("role %s: valid %v label %q home %q", r, r.Valid(), r.Label(), r.Home())
		}
	}
	if identity.Role("root").Valid() {
		t.Error("unknown role valid")
	}
	var nobody *identity.User
	if nobody.Is(identity.RoleAdmin) {
		t.Error("nil user has a role")
	}
}

// Session metadata from the client is cleaned before it is stored: invalid
// UTF-8, NUL and a cut inside a character would make PostgreSQL refuse the
// login (a 500 after a correct password).
func TestStartSessionCleansClientText(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.staff("clean.ua", identity.RoleAdmin, 0)
		for _, ua := range []string{"abc\xff\xfe", strings.Repeat("a", 299) + "中", "x\x00y"} {
			s, err := e.svc.StartSession(e.ctx, u.ID, "", "203.0.113.9\xff", ua)
			if err != nil {
				t.Fatalf("StartSession with user agent %q: %v", ua, err)
			}
			if _, _, err := e.svc.SessionUser(e.ctx, s.Token); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// The account-wide limit does not lock the owner out of an address they have
// logged in from before, however many other addresses fail.
func TestAccountLimitSparesKnownAddress(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.staff("known.addr", identity.RoleSales, e.store)
		if _, err := e.svc.Authenticate(e.ctx, "known.addr", password, "198.51.100.1"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.StartSession(e.ctx, u.ID, "", "198.51.100.1", "test"); err != nil {
			t.Fatal(err)
		}
		// 25 addresses × 4 wrong passwords = 100 failures: the account limit is reached.
		for a := 0; a < 25; a++ {
			ip := fmt.Sprintf("203.0.113.%d", a+10)
			for i := 0; i < 4; i++ {
				_, _ = e.svc.Authenticate(e.ctx, "known.addr", "wrong-password", ip)
			}
		}
		_, err := e.svc.Authenticate(e.ctx, "known.addr", password, "203.0.113.200")
		apperrtest.WantCode(t, err, apperr.RateLimited)
		if _, err := e.svc.Authenticate(e.ctx, "known.addr", password, "198.51.100.1"); err != nil {
			t.Fatalf("login from the known address: %v", err)
		}
	})
}
