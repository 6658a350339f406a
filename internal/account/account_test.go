package account_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

var start = time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const password = "s3cret-pass"

// One precomputed hash for users inserted directly (argon2 costs ~30 ms).
var (
	hashOnce sync.Once
	hashVal  string
)

func passwordHash() string {
	hashOnce.Do(func() {
		h, err := account.HashPassword(password)
		if err != nil {
			panic(err)
		}
		hashVal = h
	})
	return hashVal
}

type env struct {
	t     *testing.T
	ctx   context.Context
	db    *db.DB
	clock *clock
	svc   *account.Service
	store int64 // a store
	sc    int64 // a service center
	model int64
}

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), db: d, clock: &clock{t: start}}
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
func (e *env) staff(username string, role account.Role, site int64) *account.User {
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
func (e *env) owner(mobile string) *account.User {
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

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if !apperr.Is(err, code) {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Code != apperr.Invalid {
		t.Fatalf("error = %v, want Invalid with field %q", err, field)
	}
	if _, ok := e.Fields[field]; !ok {
		t.Fatalf("fields = %v, want %q", e.Fields, field)
	}
}

func TestPassword(t *testing.T) {
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
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		ok := account.RegisterInput{Mobile: " 13800000001 ", Name: " 王小明 ", Password: "password1", Password2: "password1"}
		u, err := e.svc.Register(ctx, ok)
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != account.RoleOwner || u.Mobile != "13800000001" || u.DisplayName != "王小明" || u.CustomerID == 0 || !u.Active {
			t.Fatalf("registered user = %+v", u)
		}
		if n := e.count(`SELECT COUNT(*) FROM customers WHERE id = $1 AND mobile = '13800000001' AND kind = 'owner'`, u.CustomerID); n != 1 {
			t.Error("no customer created for the new owner")
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
			{"mismatched confirmation", with(func(in *account.RegisterInput) { in.Password2 = "password2" }), "password2"},
			{"duplicate mobile", with(func(in *account.RegisterInput) { in.Mobile = "13800000001" }), "mobile"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				users, custs := e.count(`SELECT COUNT(*) FROM users`), e.count(`SELECT COUNT(*) FROM customers`)
				_, err := e.svc.Register(ctx, tc.in)
				wantField(t, err, tc.field)
				if e.count(`SELECT COUNT(*) FROM users`) != users || e.count(`SELECT COUNT(*) FROM customers`) != custs {
					t.Error("refused registration wrote rows")
				}
			})
		}
	})
}

func TestRegisterExistingCustomer(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		// A car bought in a store: customer with two vehicles.
		cust := e.id(`INSERT INTO customers (name, mobile, kind, stage, created_at, updated_at) VALUES ('张三', '13900000001', 'owner', 'delivered', $1, $1) RETURNING id`, start)
		for _, vin := range []string{"LNBSCU3H5PEAB1234", "LNBSCU3H5PE987654"} {
			e.id(`INSERT INTO vehicles (vin, customer_id, model_id, purchased_on, warranty_end, battery_warranty_end, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $4, $4, $5, $5) RETURNING id`, vin, cust, e.model, start.Truncate(24*time.Hour), start)
		}
		in := account.RegisterInput{Mobile: "13900000001", Name: "张三", Password: "password1", Password2: "password1"}
		for _, suffix := range []string{"", "123456", "AB123", "EAB123", "987655"} {
			in.VINSuffix = suffix
			_, err := e.svc.Register(ctx, in)
			wantField(t, err, "vin_suffix")
		}
		if n := e.count(`SELECT COUNT(*) FROM users`); n != 0 {
			t.Fatalf("users after refused registrations = %d", n)
		}
		in.VINSuffix = " ab1234 " // case and spaces do not matter
		u, err := e.svc.Register(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if u.CustomerID != cust {
			t.Fatalf("user linked to customer %d, want %d", u.CustomerID, cust)
		}
		if n := e.count(`SELECT COUNT(*) FROM customers`); n != 1 {
			t.Errorf("customers = %d, want 1 (no duplicate)", n)
		}

		// A known customer without vehicles (a prospect) registers without the VIN.
		prospect := e.id(`INSERT INTO customers (name, mobile, created_at, updated_at) VALUES ('赵六', '13900000002', $1, $1) RETURNING id`, start)
		u, err = e.svc.Register(ctx, account.RegisterInput{Mobile: "13900000002", Name: "赵六", Password: "password1", Password2: "password1"})
		if err != nil {
			t.Fatal(err)
		}
		if u.CustomerID != prospect {
			t.Errorf("prospect user linked to %d, want %d", u.CustomerID, prospect)
		}
	})
}

func TestAuthenticate(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		staff := e.staff("wang.li", account.RoleService, e.sc)
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
		wantField(t, err, "username")
		_, err = e.svc.Authenticate(ctx, "wang.li", "", "10.0.0.1")
		wantField(t, err, "username")

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
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		owner := e.owner("13700000002")
		e.staff("li.na", account.RoleSales, e.store)

		for i := range 5 {
			_, err := e.svc.Authenticate(ctx, "13700000002", "wrong-"+fmt.Sprint(i), "10.0.0.1")
			if !errors.Is(err, account.ErrBadCredentials) {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		_, err := e.svc.Authenticate(ctx, "13700000002", password, "10.0.0.1")
		wantCode(t, err, apperr.RateLimited)
		// The lock is per login: another address is refused too, another login is not.
		_, err = e.svc.Authenticate(ctx, "13700000002", password, "10.0.0.2")
		wantCode(t, err, apperr.RateLimited)
		if _, err := e.svc.Authenticate(ctx, "li.na", password, "10.0.0.1"); err != nil {
			t.Fatalf("another login from the same address: %v", err)
		}
		e.clock.Advance(14 * time.Minute)
		_, err = e.svc.Authenticate(ctx, "13700000002", password, "10.0.0.1")
		wantCode(t, err, apperr.RateLimited)
		e.clock.Advance(2 * time.Minute) // 16 minutes after the lock
		u, err := e.svc.Authenticate(ctx, "13700000002", password, "10.0.0.1")
		if err != nil || u.ID != owner.ID {
			t.Fatalf("after the lock expired: %v, %v", u, err)
		}
		if n := e.count(`SELECT COUNT(*) FROM login_failures WHERE login_key = 'login:13700000002'`); n != 0 {
			t.Errorf("failures kept after a successful login: %d", n)
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
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		e.staff("zhao.lei", account.RoleAdmin, 0)
		// 20 failures from one address, each for a different (unknown) login.
		for i := range 20 {
			_, err := e.svc.Authenticate(ctx, fmt.Sprintf("guess%02d", i), "x", "203.0.113.9")
			if !errors.Is(err, account.ErrBadCredentials) {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		_, err := e.svc.Authenticate(ctx, "zhao.lei", password, "203.0.113.9")
		wantCode(t, err, apperr.RateLimited)
		if _, err := e.svc.Authenticate(ctx, "zhao.lei", password, "203.0.113.10"); err != nil {
			t.Fatalf("from another address: %v", err)
		}
		e.clock.Advance(16 * time.Minute)
		if _, err := e.svc.Authenticate(ctx, "zhao.lei", password, "203.0.113.9"); err != nil {
			t.Fatalf("after the address lock expired: %v", err)
		}
	})
}

func TestSessions(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		u := e.owner("13700000003")

		s, err := e.svc.StartSession(ctx, u.ID, "", "10.0.0.1", strings.Repeat("UA", 200))
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Token) < 40 || !s.ExpiresAt.Equal(start.Add(account.SessionTTL)) {
			t.Fatalf("session = %+v", s)
		}
		got, err := e.svc.SessionUser(ctx, s.Token)
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
			_, err := e.svc.SessionUser(ctx, bad)
			wantCode(t, err, apperr.Unauthenticated)
		}

		// Rotation: a new session given the old token ends the old one.
		s2, err := e.svc.StartSession(ctx, u.ID, s.Token, "10.0.0.1", "ua")
		if err != nil {
			t.Fatal(err)
		}
		if s2.Token == s.Token {
			t.Fatal("token not rotated")
		}
		_, err = e.svc.SessionUser(ctx, s.Token)
		wantCode(t, err, apperr.Unauthenticated)
		if _, err := e.svc.SessionUser(ctx, s2.Token); err != nil {
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
		_, err = e.svc.SessionUser(ctx, s3.Token)
		wantCode(t, err, apperr.Unauthenticated)
		if err := e.svc.EndSession(ctx, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SessionUser(ctx, s2.Token); err != nil {
			t.Fatalf("logout of one device ended another: %v", err)
		}

		// A disabled user's sessions stop working.
		if _, err := d.ExecContext(ctx, `UPDATE users SET active = $1 WHERE id = $2`, false, u.ID); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.SessionUser(ctx, s2.Token)
		wantCode(t, err, apperr.Unauthenticated)
		if _, err := d.ExecContext(ctx, `UPDATE users SET active = $1 WHERE id = $2`, true, u.ID); err != nil {
			t.Fatal(err)
		}

		// Expiry: 8 days later the session is gone; the next login sweeps it.
		e.clock.Advance(7*24*time.Hour - time.Minute)
		if _, err := e.svc.SessionUser(ctx, s2.Token); err != nil {
			t.Fatalf("session a minute before expiry: %v", err)
		}
		e.clock.Advance(24*time.Hour + time.Minute)
		_, err = e.svc.SessionUser(ctx, s2.Token)
		wantCode(t, err, apperr.Unauthenticated)
		if _, err := e.svc.StartSession(ctx, u.ID, "", "", ""); err != nil {
			t.Fatal(err)
		}
		if n := e.count(`SELECT COUNT(*) FROM sessions WHERE user_id = $1`, u.ID); n != 1 {
			t.Errorf("sessions after sweep = %d, want 1", n)
		}
	})
}

func TestCreateStaff(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		admin := e.staff("root.admin", account.RoleAdmin, 0)
		sales := e.staff("sales.one", account.RoleSales, e.store)
		service := e.staff("svc.one", account.RoleService, e.sc)
		owner := e.owner("13700000004")

		good := account.StaffInput{Username: " Chen.Jing ", DisplayName: "陈静", Role: account.RoleService, SiteID: e.sc, Mobile: "13600000001", Password: "password1"}
		for _, actor := range []*account.User{sales, service, owner} {
			before := e.count(`SELECT COUNT(*) FROM users`)
			_, err := e.svc.CreateStaff(ctx, actor, good)
			wantCode(t, err, apperr.Forbidden)
			if e.count(`SELECT COUNT(*) FROM users`) != before {
				t.Errorf("forbidden CreateStaff by %s wrote", actor.Role)
			}
		}
		_, err := e.svc.ListUsers(ctx, sales, "", 10)
		wantCode(t, err, apperr.Forbidden)

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
			{"owner role", with(func(in *account.StaffInput) { in.Role = account.RoleOwner }), "role"},
			{"bad mobile", with(func(in *account.StaffInput) { in.Mobile = "021-5555" }), "mobile"},
			{"short password", with(func(in *account.StaffInput) { in.Password = "1234567" }), "password"},
			{"sales without site", with(func(in *account.StaffInput) { in.Role, in.SiteID = account.RoleSales, 0 }), "site_id"},
			{"service without site", with(func(in *account.StaffInput) { in.SiteID = 0 }), "site_id"},
			{"service at a store", with(func(in *account.StaffInput) { in.SiteID = e.store }), "site_id"},
			{"sales at a service center", with(func(in *account.StaffInput) { in.Role = account.RoleSales }), "site_id"},
			{"unknown site", with(func(in *account.StaffInput) { in.SiteID = 999999 }), "site_id"},
			{"duplicate username", with(func(in *account.StaffInput) { in.Username = "Sales.One" }), "username"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := e.count(`SELECT COUNT(*) FROM users`)
				_, err := e.svc.CreateStaff(ctx, admin, tc.in)
				wantField(t, err, tc.field)
				if e.count(`SELECT COUNT(*) FROM users`) != before {
					t.Error("refused CreateStaff wrote")
				}
			})
		}

		u, err := e.svc.CreateStaff(ctx, admin, good)
		if err != nil {
			t.Fatal(err)
		}
		if u.Username != "chen.jing" || u.Role != account.RoleService || u.SiteID != e.sc || u.Mobile != "13600000001" || u.CustomerID != 0 {
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
		wantField(t, err, "username")
		// The command line (nil actor) may create an admin without a site or mobile.
		a2, err := e.svc.CreateStaff(ctx, nil, account.StaffInput{Username: "ops", DisplayName: "运维", Role: account.RoleAdmin, Password: "password1"})
		if err != nil || a2.SiteID != 0 || a2.Mobile != "" {
			t.Fatalf("CLI admin: %+v, %v", a2, err)
		}
		list, err := e.svc.ListUsers(ctx, admin, account.RoleService, 10)
		if err != nil || len(list) != 2 || list[0].ID != u.ID {
			t.Fatalf("ListUsers(service) = %v, %v", list, err)
		}
		all, err := e.svc.ListUsers(ctx, admin, "", 100)
		if err != nil || len(all) != 6 || all[len(all)-1].Role != account.RoleOwner {
			t.Fatalf("ListUsers = %d users, %v", len(all), err)
		}
	})
}

func TestHelpers(t *testing.T) {
	if got := account.MaskedMobile("13812345678"); got != "138****5678" {
		t.Errorf("MaskedMobile = %q", got)
	}
	if got := account.MaskedMobile("123"); got != "123" {
		t.Errorf("MaskedMobile short = %q", got)
	}
	for _, r := range account.Roles {
		if !r.Valid() || r.Label() == string(r) || r.Home() != "/"+string(r)+"/" {
			t.Errorf("role %s: valid %v label %q home %q", r, r.Valid(), r.Label(), r.Home())
		}
	}
	if account.Role("root").Valid() {
		t.Error("unknown role valid")
	}
	var nobody *account.User
	if nobody.Is(account.RoleAdmin) {
		t.Error("nil user has a role")
	}
}
