package notify

// Exported for the index-plan test.
var (
	ListSQL   = listSQL
	UnreadSQL = unreadSQL
)
