package db

// Bucketing of stored UTC timestamps by the local (Asia/Shanghai, UTC+8
// all year) calendar, for reports that group by month, day or hour. col is
// SQL written in code, never request text.

// LocalMonth returns SQL for the local month of timestamp col as text
// "2026-03".
func (d Dialect) LocalMonth(col string) string {
	if d == Postgres {
		return "to_char(" + col + " AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"
	}
	return "strftime('%Y-%m', " + col + ", '+8 hours')"
}

// LocalDay returns SQL for the local date of timestamp col as text
// "2026-03-05".
func (d Dialect) LocalDay(col string) string {
	if d == Postgres {
		return "to_char(" + col + " AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')"
	}
	return "strftime('%Y-%m-%d', " + col + ", '+8 hours')"
}

// LocalHour returns SQL for the local hour (0..23, an integer) of
// timestamp col.
func (d Dialect) LocalHour(col string) string {
	if d == Postgres {
		return "CAST(EXTRACT(HOUR FROM " + col + " AT TIME ZONE 'Asia/Shanghai') AS INTEGER)"
	}
	return "CAST(strftime('%H', " + col + ", '+8 hours') AS INTEGER)"
}
