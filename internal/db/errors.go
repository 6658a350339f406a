package db

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Database errors are classified here, once, by the driver's error type and
// code, never by message text: on PostgreSQL by the SQLSTATE and constraint
// name of a *pgconn.PgError, on SQLite by the extended result code of a
// *sqlite.Error (the driver always turns extended result codes on). Each
// function looks through wrapping (fmt.Errorf("...: %w"), the "begin:" and
// "commit:" of InTx) with errors.As, and reports false for nil and for any
// error that is not the driver's, whatever its text says.

// PostgreSQL SQLSTATE codes (appendix A of the PostgreSQL manual).
const (
	pgNotNullViolation     = "23502"
	pgForeignKeyViolation  = "23503"
	pgUniqueViolation      = "23505"
	pgCheckViolation       = "23514"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
	pgLockNotAvailable     = "55P03"
)

// pgState returns the SQLSTATE of a PostgreSQL error in err's chain, or "".
func pgState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// sqliteCode returns the extended result code of an SQLite error in err's
// chain, or 0 (SQLITE_OK) when there is none.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// IsUniqueViolation reports whether err is a unique-constraint violation:
// SQLSTATE 23505 on PostgreSQL (a UNIQUE constraint, a unique index or the
// primary key), SQLITE_CONSTRAINT_UNIQUE or SQLITE_CONSTRAINT_PRIMARYKEY on
// SQLite. Constraint tells which one on PostgreSQL.
func IsUniqueViolation(err error) bool {
	if pgState(err) == pgUniqueViolation {
		return true
	}
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// IsForeignKeyViolation reports whether err is a foreign-key violation (a
// reference to a missing row, or deleting a referenced one): SQLSTATE 23503,
// or SQLITE_CONSTRAINT_FOREIGNKEY (SQLite checks foreign keys only with
// PRAGMA foreign_keys on, which Open sets on every connection).
func IsForeignKeyViolation(err error) bool {
	return pgState(err) == pgForeignKeyViolation || sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// IsCheckViolation reports whether err is a CHECK-constraint violation:
// SQLSTATE 23514, or SQLITE_CONSTRAINT_CHECK.
func IsCheckViolation(err error) bool {
	return pgState(err) == pgCheckViolation || sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_CHECK
}

// IsNotNullViolation reports whether err is a NULL written to a NOT NULL
// column: SQLSTATE 23502, or SQLITE_CONSTRAINT_NOTNULL.
func IsNotNullViolation(err error) bool {
	return pgState(err) == pgNotNullViolation || sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_NOTNULL
}

// Constraint returns the name of the constraint or unique index that err
// violated, as PostgreSQL reports it (for example "users_mobile_key" or
// "appointments_vehicle_slot_open"), so a caller can tell which of several
// unique keys a row collided with.
//
// On SQLite it returns "": the driver reports the violated columns only
// inside the message text ("UNIQUE constraint failed: users.mobile"), and
// this package does not read message text. Callers that must tell two
// constraints apart on SQLite rely on SQLite's single writer instead: the
// write lock is taken at BEGIN (see InTx), so a check made earlier in the
// same transaction still holds when the INSERT runs.
func Constraint(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.ConstraintName
	}
	return ""
}

// IsBusy reports whether err is a wait for a lock that gave up: SQLITE_BUSY or
// SQLITE_LOCKED (any extended variant) on SQLite, raised after the
// connection's busy_timeout (10 s from Open); SQLSTATE 55P03
// lock_not_available on PostgreSQL (NOWAIT, or a lock_timeout). It is
// transient, but InTx does not retry it: the wait has already been long.
func IsBusy(err error) bool {
	if pgState(err) == pgLockNotAvailable {
		return true
	}
	switch sqliteCode(err) & 0xff { // the primary code of an extended one
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}

// retryable reports whether err ends a transaction that can simply be run
// again: a PostgreSQL deadlock victim (40P01) or serialization failure
// (40001). Nothing on SQLite is: writers queue for the lock at BEGIN, so
// SQLite transactions do not deadlock.
func retryable(err error) bool {
	switch pgState(err) {
	case pgDeadlockDetected, pgSerializationFailure:
		return true
	}
	return false
}
