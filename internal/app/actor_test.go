package app

import (
	"context"
	"log/slog"
	"reflect"
	"testing"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// TestNilActorRefused calls every exported method of every service that
// takes an acting user with a nil one (and zero values for the rest): each
// must refuse with Unauthenticated, writing nothing and without panicking.
// A new service or method is covered as soon as it is on Services.
func TestNilActorRefused(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	s, err := NewServices(d, &config.Config{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	actorType := reflect.TypeFor[*identity.User]()
	ctxType := reflect.TypeFor[context.Context]()
	errType := reflect.TypeFor[error]()
	sv := reflect.ValueOf(s).Elem()
	checked := 0
	for i := range sv.NumField() {
		svc := sv.Field(i)
		for m := range svc.NumMethod() {
			method := svc.Type().Method(m)
			mt := method.Type // receiver first
			if mt.NumIn() < 3 || mt.In(1) != ctxType || mt.In(2) != actorType || mt.NumOut() == 0 || mt.Out(mt.NumOut()-1) != errType {
				continue
			}
			name := sv.Type().Field(i).Name + "." + method.Name
			args := []reflect.Value{reflect.ValueOf(context.Background()), reflect.Zero(actorType)}
			for a := 3; a < mt.NumIn(); a++ {
				args = append(args, reflect.Zero(mt.In(a)))
			}
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s(nil actor) panicked: %v", name, r)
					}
				}()
				out := svc.Method(m).Call(args)
				err, _ := out[len(out)-1].Interface().(error)
				if apperr.CodeOf(err) != apperr.Unauthenticated {
					t.Errorf("%s(nil actor) = %v, want unauthenticated", name, err)
				}
			}()
			checked++
		}
	}
	if checked < 10 {
		t.Fatalf("only %d service methods take an actor: the walk is broken", checked)
	}
	t.Logf("%d service methods refuse a nil actor", checked)
}
