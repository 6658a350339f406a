package notify

// Exported for the index-plan test.
var (
	ListSQL   = listSQL
	UnreadSQL = unreadSQL
	// Cursor is the cursor of the page that follows notification id.
	Cursor = encodeCursor
)
