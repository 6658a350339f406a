package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/app"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// user runs "nevcrm user add": it creates a staff account. The password comes
// from NEVCRM_PASSWORD or the first line of standard input, never a flag (a
// flag would show in the process list and shell history).
func user(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: nevcrm user add --username U --name 姓名 --role sales|service|admin [--site CODE] [--mobile M]")
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("db", config.DefaultDB(os.Getenv), "SQLite file path or postgres:// URL")
	username := fs.String("username", "", "login name")
	name := fs.String("name", "", "display name (姓名)")
	role := fs.String("role", "", "sales, service or admin")
	siteCode := fs.String("site", "", "code of the store (sales) or service center (service)")
	mobile := fs.String("mobile", "", "mobile number (optional)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	password := os.Getenv("NEVCRM_PASSWORD")
	if password == "" {
		fmt.Fprint(stderr, "密码: ")
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("no password: set NEVCRM_PASSWORD or give it on standard input")
		}
		password = strings.TrimRight(line, "\r\n")
	}
	d, err := db.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.CheckSchema(ctx); err != nil {
		return err
	}
	svc, err := app.NewServices(d, &config.Config{}, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	in := account.StaffInput{Username: *username, DisplayName: *name, Role: identity.Role(*role), Mobile: *mobile, Password: password}
	if *siteCode != "" {
		s, err := svc.Sites.GetByCode(ctx, *siteCode)
		if err != nil {
			return fmt.Errorf("site %q: %w", *siteCode, err)
		}
		in.SiteID = s.ID
	}
	u, err := svc.Accounts.CreateStaff(ctx, identity.System(), in)
	if e := apperr.As(err); e != nil && len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		flagOf := map[string]string{"site_id": "site", "display_name": "name"}
		for _, k := range keys {
			f := k
			if alias, ok := flagOf[k]; ok {
				f = alias
			}
			fmt.Fprintf(&b, "\n  --%s: %s", f, e.Fields[k])
		}
		return fmt.Errorf("%s%s", e.Message, b.String())
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s account %q (id %d)\n", u.Role, u.Username, u.ID)
	return nil
}
