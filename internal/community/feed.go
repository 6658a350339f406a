package community

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// Sorts of the feed: latest first, or hot (see HotScore).
var sorts = listing.Orders{
	{Name: "latest", Label: "最新", Key: "p.created_at", ID: "p.id", Kind: listing.KeyTime, Desc: true},
	{Name: "hot", Label: "热门", Key: "p.hot_score", ID: "p.id", Kind: listing.KeyInt, Desc: true},
}

// Sorts are the feed's orders for the sort menu.
func Sorts() listing.Orders { return sorts }

// Visitor is who reads public pages: a logged-in user, or a nil User for
// an anonymous visitor. Reading methods take it instead of an actor
// because the community is public; what a Visitor sees beyond published
// content (their own hidden posts, everything for moderators) depends on
// the User.
type Visitor struct{ User *identity.User }

// Filter selects the feed.
type Filter struct {
	Sort   string // "latest" (default) or "hot"; ignored with Q
	Topic  string // a topic code, or "" for all
	Q      string // search words; results are ranked, paged by offset (see SearchMax)
	Cursor string
	Limit  int // 1..listing.MaxLimit; 0 means 20
}

// MaxQuery bounds the length of a search query.
const MaxQuery = 50

// SearchLimit is the most results one Search call returns.
const SearchLimit = 50

// SearchMax is the most results a search pages through: the best 500 by
// relevance. Relevance has no stable key to page by (a like or a comment
// moves a post), so search pages by position: the cursor holds the offset
// of the next page and a check of the query and topic it was made for,
// and the ranking is computed again for every page (docs/系统设计.md,
// 车友圈搜索). A post whose rank changes between two pages may be shown
// twice or skipped, as in any web search.
const SearchMax = 500

// searchOrder is the cursor format of search pages: the key is
// "offset:check" and the id the last post shown.
var searchOrder = listing.Order{Name: "search", Kind: listing.KeyString}

// searchCheck ties a search cursor to its query and topic.
func searchCheck(q, topic string) string {
	sum := sha256.Sum256([]byte(q + "\x00" + topic))
	return hex.EncodeToString(sum[:6])
}

// searchOffset decodes the offset of a search cursor ("" is 0); a cursor of
// another list, query or topic, or past SearchMax, is listing.ErrBadCursor.
func searchOffset(cursor, q, topic string) (int, error) {
	c, err := searchOrder.Decode(cursor)
	if err != nil || c == nil {
		return 0, err
	}
	off, check, ok := strings.Cut(c.Key.(string), ":")
	n, err := strconv.Atoi(off)
	if !ok || err != nil || n <= 0 || n >= SearchMax || check != searchCheck(q, topic) {
		return 0, listing.ErrBadCursor
	}
	return n, nil
}

const postColumns = `p.id, p.customer_id, COALESCE(pr.nickname, ''), COALESCE(pr.badge, ''), p.topic, p.title, p.body,
	p.status, p.moderation, p.moderation_reason, p.like_count, p.comment_count, p.favorite_count, p.photo_count,
	p.hot_score, p.created_at, p.updated_at, p.edited_at`

const postFrom = ` FROM posts p LEFT JOIN community_profiles pr ON pr.customer_id = p.customer_id`

func scanPost(row interface{ Scan(...any) error }) (*Post, error) {
	var p Post
	var edited sql.NullTime
	if err := row.Scan(&p.ID, &p.CustomerID, &p.Author.Nickname, &p.Author.Badge, &p.Topic, &p.Title, &p.Body,
		&p.Status, &p.Moderation, &p.ModerationReason, &p.LikeCount, &p.CommentCount, &p.FavoriteCount, &p.PhotoCount,
		&p.HotScore, &p.CreatedAt, &p.UpdatedAt, &edited); err != nil {
		return nil, err
	}
	if edited.Valid {
		t := edited.Time.UTC()
		p.EditedAt = &t
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	if p.Author.Nickname == "" {
		p.Author.Nickname = defaultNickname(p.CustomerID)
	}
	p.BodyHTML = RenderMarkdown(p.Body)
	return &p, nil
}

// defaultNickname names an owner who has not chosen a nickname.
func defaultNickname(customerID int64) string { return "车友" + strconv.FormatInt(customerID, 10) }

func (s *Service) queryPosts(ctx context.Context, q db.Querier, query string, args ...any) ([]*Post, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Post
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Feed returns a page of published posts: by f.Sort, or, when f.Q is set,
// the best matches of the search (highlighted, at most SearchLimit, no next
// page), as visitor v sees them. Returns apperr.Invalid
// for an unknown sort or topic, a bad cursor or limit, a query that is too
// long.
func (s *Service) Feed(ctx context.Context, v Visitor, f Filter) (listing.Page[*Post], listing.Total, error) {
	page, total, err := s.feed(ctx, v, f)
	if err != nil {
		return listing.Page[*Post]{}, listing.Total{}, err
	}
	return page, total, nil
}

func (s *Service) feed(ctx context.Context, v Visitor, f Filter) (listing.Page[*Post], listing.Total, error) {
	var none listing.Page[*Post]
	var zero listing.Total
	if f.Topic != "" && !ValidTopic(f.Topic) {
		return none, zero, apperr.Field("topic", "没有这个话题")
	}
	if f.Limit == 0 {
		f.Limit = 20
	}
	limit, err := listing.CheckLimit(f.Limit)
	if err != nil {
		return none, zero, err
	}
	f.Q = strings.TrimSpace(f.Q)
	if runes(f.Q) > MaxQuery {
		return none, zero, apperr.Field("q", "搜索词最多 50 个字")
	}
	if f.Q != "" {
		offset, err := searchOffset(f.Cursor, f.Q, f.Topic)
		if err != nil {
			return none, zero, err
		}
		r, err := s.search(ctx, v, f.Q, f.Topic, offset, limit)
		if err != nil {
			return none, zero, err
		}
		page := listing.Page[*Post]{Items: r.posts}
		if next := offset + len(r.posts); next < r.total && len(r.posts) > 0 {
			page.NextCursor = searchOrder.Encode(strconv.Itoa(next)+":"+searchCheck(f.Q, f.Topic), r.posts[len(r.posts)-1].ID)
		}
		return page, listing.Total{N: r.total}, nil
	}
	order, err := sorts.Lookup(f.Sort)
	if err != nil {
		return none, zero, err
	}
	cur, err := order.Decode(f.Cursor)
	if err != nil {
		return none, zero, err
	}
	var w listing.Where
	w.And("p.status = 'published'")
	if f.Topic != "" {
		w.And("p.topic = " + w.Arg(f.Topic))
	}
	total, err := listing.Count(ctx, s.db, "FROM posts p"+w.SQL(), w.Args...)
	if err != nil {
		return none, zero, err
	}
	order.After(&w, cur)
	posts, err := s.queryPosts(ctx, s.db, "SELECT "+postColumns+postFrom+w.SQL()+" ORDER BY "+order.OrderBy()+" LIMIT "+w.Arg(limit+1), w.Args...)
	if err != nil {
		return none, zero, err
	}
	page := listing.NewPage(posts, limit, func(p *Post) string {
		if order.Name == "hot" {
			return order.Encode(p.HotScore, p.ID)
		}
		return order.Encode(p.CreatedAt, p.ID)
	})
	return page, total, s.decorate(ctx, v.User, page.Items)
}

// Search returns the published posts best matching q (in topic unless ""),
// best first, at most limit (SearchLimit at most), with the title and an
// excerpt highlighted. A query with no searchable term (a single
// character, punctuation) matches titles and text containing it, newest
// first. Feed pages through up to SearchMax results.
func (s *Service) Search(ctx context.Context, v Visitor, q, topic string, limit int) ([]*Post, error) {
	q = strings.TrimSpace(q)
	if runes(q) > MaxQuery {
		return nil, apperr.Field("q", "搜索词最多 50 个字")
	}
	r, err := s.search(ctx, v, q, topic, 0, min(max(limit, 1), SearchLimit))
	return r.posts, err
}

// searchResult is a page of search results and how many there are in all
// (at most SearchMax).
type searchResult struct {
	posts []*Post
	total int
}

// search returns results offset.. offset+limit of the search for q.
func (s *Service) search(ctx context.Context, v Visitor, q, topic string, offset, limit int) (searchResult, error) {
	var r searchResult
	terms := queryTerms(q)
	if len(terms) == 0 {
		if q == "" {
			return r, nil
		}
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
		var w listing.Where
		w.And("p.status = 'published'")
		w.And("(p.title LIKE " + w.Arg(like) + ` ESCAPE '\' OR p.body LIKE ` + w.Arg(like) + ` ESCAPE '\')`)
		if topic != "" {
			w.And("p.topic = " + w.Arg(topic))
		}
		var n int
		if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT 1 AS one FROM posts p"+w.SQL()+" LIMIT "+strconv.Itoa(SearchMax)+") capped",
			w.Args...).Scan(&n); err != nil {
			return r, err
		}
		r.total = n
		posts, err := s.queryPosts(ctx, s.db, "SELECT "+postColumns+postFrom+w.SQL()+" ORDER BY p.created_at DESC, p.id DESC LIMIT "+
			w.Arg(min(limit, SearchMax-offset))+" OFFSET "+w.Arg(offset), w.Args...)
		if err != nil {
			return r, err
		}
		r.posts = posts
		terms = []string{asciiLower(q)}
	} else {
		ids, err := s.searchIDs(ctx, q, topic, SearchMax)
		if err != nil || len(ids) <= offset {
			r.total = len(ids)
			return r, err
		}
		r.total = len(ids)
		ids = ids[offset:min(len(ids), offset+limit)]
		byID, err := s.postsByID(ctx, ids)
		if err != nil {
			return r, err
		}
		for _, id := range ids {
			if p := byID[id]; p != nil && p.Visible() {
				r.posts = append(r.posts, p)
			}
		}
	}
	for _, p := range r.posts {
		p.TitleHTML = highlight(p.Title, terms)
		var hit bool
		p.SnippetHTML, hit = snippet(Excerpt(p.Body, MaxBody), terms, 80)
		if !hit {
			if c, err := s.matchingComment(ctx, p.ID, terms); err != nil {
				return r, err
			} else if c != "" {
				sn, _ := snippet(c, terms, 60)
				p.SnippetHTML = "评论：" + sn
			}
		}
	}
	return r, s.decorate(ctx, v.User, r.posts)
}

// matchingComment returns the first published comment of post id holding a term.
func (s *Service) matchingComment(ctx context.Context, id int64, terms []string) (string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT body FROM comments WHERE post_id = $1 AND status = 'published' ORDER BY created_at, id`, id)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return "", err
		}
		low := asciiLower(b)
		for _, t := range terms {
			if strings.Contains(low, t) {
				return b, nil
			}
		}
	}
	return "", rows.Err()
}

// inList returns "$n, $n+1, ..." for ids appended to args.
func inList(args *[]any, ids []int64) string {
	ph := make([]string, len(ids))
	for i, id := range ids {
		*args = append(*args, id)
		ph[i] = "$" + strconv.Itoa(len(*args))
	}
	return strings.Join(ph, ", ")
}

func (s *Service) postsByID(ctx context.Context, ids []int64) (map[int64]*Post, error) {
	var args []any
	posts, err := s.queryPosts(ctx, s.db, "SELECT "+postColumns+postFrom+" WHERE p.id IN ("+inList(&args, ids)+")", args...)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*Post, len(posts))
	for _, p := range posts {
		out[p.ID] = p
	}
	return out, nil
}

// decorate adds the photos and, for a reading owner, whether they liked,
// favourited or wrote each post.
func (s *Service) decorate(ctx context.Context, actor *identity.User, posts []*Post) error {
	if len(posts) == 0 {
		return nil
	}
	ids := make([]int64, len(posts))
	byID := make(map[int64]*Post, len(posts))
	for i, p := range posts {
		ids[i] = p.ID
		byID[p.ID] = p
	}
	var args []any
	rows, err := s.db.QueryContext(ctx, `SELECT post_id, id, width, height FROM post_photos WHERE post_id IN (`+inList(&args, ids)+`) ORDER BY post_id, position`, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var pid int64
		var ph Photo
		if err := rows.Scan(&pid, &ph.ID, &ph.Width, &ph.Height); err != nil {
			rows.Close()
			return err
		}
		byID[pid].Photos = append(byID[pid].Photos, ph)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	cid := viewer(actor)
	if cid == 0 {
		return nil
	}
	for _, p := range posts {
		p.Mine = p.CustomerID == cid
	}
	for _, x := range []struct {
		table string
		set   func(p *Post)
	}{{"post_likes", func(p *Post) { p.Liked = true }}, {"post_favorites", func(p *Post) { p.Favorited = true }}} {
		args := []any{cid}
		rows, err := s.db.QueryContext(ctx, `SELECT post_id FROM `+x.table+` WHERE customer_id = $1 AND post_id IN (`+inList(&args, ids)+`)`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			x.set(byID[id])
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// Get returns post id: a published post to anyone, a
// hidden or held one only to its author (with the moderator's reason) and
// to moderators. Returns apperr.NotFound otherwise.
func (s *Service) Get(ctx context.Context, v Visitor, id int64) (*Post, error) {
	p, err := scanPost(s.db.QueryRowContext(ctx, "SELECT "+postColumns+postFrom+" WHERE p.id = $1", id))
	if db.NoRows(err) {
		return nil, errNoPost
	}
	if err != nil {
		return nil, err
	}
	if !p.Visible() && !(viewer(v.User) == p.CustomerID && p.CustomerID != 0) && !CanModerate(v.User) {
		return nil, errNoPost
	}
	return p, s.decorate(ctx, v.User, []*Post{p})
}

var errNoPost = apperr.New(apperr.NotFound, "帖子不存在或已被删除")

const commentColumns = `c.id, c.post_id, COALESCE(c.parent_id, 0), c.customer_id, COALESCE(pr.nickname, ''), COALESCE(pr.badge, ''),
	c.body, c.status, c.moderation, c.moderation_reason, c.created_at, c.edited_at`

const commentFrom = ` FROM comments c LEFT JOIN community_profiles pr ON pr.customer_id = c.customer_id`

func scanComment(row interface{ Scan(...any) error }) (*Comment, error) {
	var c Comment
	var edited sql.NullTime
	if err := row.Scan(&c.ID, &c.PostID, &c.ParentID, &c.CustomerID, &c.Author.Nickname, &c.Author.Badge,
		&c.Body, &c.Status, &c.Moderation, &c.ModerationReason, &c.CreatedAt, &edited); err != nil {
		return nil, err
	}
	c.CreatedAt = c.CreatedAt.UTC()
	if edited.Valid {
		t := edited.Time.UTC()
		c.EditedAt = &t
	}
	if c.Author.Nickname == "" {
		c.Author.Nickname = defaultNickname(c.CustomerID)
	}
	return &c, nil
}

// Comments returns the comments of post id as a tree of one level, oldest
// first: published comments for everyone; hidden ones only to their author
// and to moderators; a comment its author removed stays as a placeholder
// (without its text) while it has replies. Returns apperr.NotFound when the
// visitor may not read the post.
func (s *Service) Comments(ctx context.Context, v Visitor, postID int64) ([]*Comment, error) {
	if _, err := s.Get(ctx, v, postID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+commentColumns+commentFrom+" WHERE c.post_id = $1 ORDER BY c.created_at, c.id", postID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cid, mod := viewer(v.User), CanModerate(v.User)
	var all []*Comment
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, err
		}
		c.Mine = cid != 0 && c.CustomerID == cid
		all = append(all, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	byID := map[int64]*Comment{}
	var top []*Comment
	for _, c := range all {
		if c.ParentID == 0 {
			byID[c.ID] = c
			top = append(top, c)
		}
	}
	for _, c := range all {
		if c.ParentID == 0 {
			continue
		}
		if p := byID[c.ParentID]; p != nil && (c.Visible() || c.Mine || mod) {
			p.Replies = append(p.Replies, c)
		}
	}
	var out []*Comment
	for _, c := range top {
		switch {
		case c.Visible() || mod || c.Mine && c.Moderation != ModRemoved:
			out = append(out, c)
		case len(c.Replies) > 0:
			c.Body = ""
			out = append(out, c)
		}
	}
	return out, nil
}

// PostTitle returns the title of published post id, for links and notifications.
func (s *Service) postTitle(ctx context.Context, q db.Querier, id int64) (title string, author int64, created time.Time, err error) {
	err = q.QueryRowContext(ctx, `SELECT title, customer_id, created_at FROM posts WHERE id = $1 AND status = 'published'`, id).Scan(&title, &author, &created)
	if db.NoRows(err) {
		err = errNoPost
	}
	return title, author, created, err
}
