package account

// UserListQuery returns the SQL and arguments of the first page of the
// account list for f (for plan checks in tests); seek as for where.
func UserListQuery(f UserFilter, seek bool) (string, []any) {
	order, _ := UserSorts.Lookup(f.Sort)
	w := f.where(seek)
	return `SELECT ` + userColumns + userFrom + w.SQL() + ` ORDER BY ` + order.OrderBy() + ` LIMIT ` + w.Arg(51), w.Args
}
