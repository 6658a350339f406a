// Package community is the owners' community (车友圈): posts with Markdown
// text and photos, comments with one level of replies, likes, favourites,
// Chinese search, reports and moderation. It owns the tables posts,
// comments, post_likes, post_favorites, post_photos, post_terms,
// community_profiles, community_reports, community_banned_words and
// community_mutes.
//
// Reading is public: methods that read take a nil actor for an anonymous
// visitor and then show only published content. Writing is for owners
// (a customer account); moderation for admins and staff holding
// identity.PermModerator. Authors appear by nickname and car badge only,
// never by name, mobile or plate.
package community

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

// Topic is a section of the community.
type Topic struct {
	Code  string
	Label string
}

// Topics are the sections owners post in, in menu order. TopicOfficial is
// not among them: it lists the maker's news (internal/content).
var Topics = []Topic{
	{"model", "车型"},
	{"city", "城市"},
	{"charging", "充电换电"},
	{"trip", "自驾出行"},
	{"experience", "用车经验"},
}

// TopicOfficial is the filter value that lists official news.
const TopicOfficial = "official"

// TopicLabel is the Chinese name of topic code c ("官方资讯" for official).
func TopicLabel(c string) string {
	if c == TopicOfficial {
		return "官方资讯"
	}
	for _, t := range Topics {
		if t.Code == c {
			return t.Label
		}
	}
	return c
}

// ValidTopic reports whether owners may post in topic c.
func ValidTopic(c string) bool {
	for _, t := range Topics {
		if t.Code == c {
			return true
		}
	}
	return false
}

// Limits of what owners write.
const (
	MaxTitle   = 60    // runes
	MaxBody    = 10000 // runes
	MaxComment = 1000  // runes
	MaxPhotos  = 9
	MaxReason  = 200 // runes, moderation reasons and report details
	MaxNick    = 16  // runes
)

// Author is how a post or comment names its writer.
type Author struct {
	Nickname string `json:"nickname"`
	Badge    string `json:"badge"` // car model, "" for owners without a car
}

// Post states: Status is "published" (visible to all) or "hidden";
// Moderation says why a post is hidden.
const (
	ModNone    = ""        // published, or never moderated
	ModHeld    = "held"    // a banned word held it for review
	ModHidden  = "hidden"  // a moderator hid it (restorable)
	ModDeleted = "deleted" // a moderator deleted it (final)
	ModRemoved = "removed" // comments: the author deleted it
)

// Post is a community post as a reader sees it.
type Post struct {
	ID               int64         `json:"id"`
	CustomerID       int64         `json:"-"`
	Author           Author        `json:"author"`
	Topic            string        `json:"topic"`
	Title            string        `json:"title"`
	Body             string        `json:"body"` // Markdown as written
	BodyHTML         template.HTML `json:"body_html"`
	Status           string        `json:"status"`
	Moderation       string        `json:"moderation,omitempty"`
	ModerationReason string        `json:"moderation_reason,omitempty"`
	LikeCount        int           `json:"like_count"`
	CommentCount     int           `json:"comment_count"`
	FavoriteCount    int           `json:"favorite_count"`
	PhotoCount       int           `json:"photo_count"`
	Photos           []Photo       `json:"photos"`
	HotScore         int64         `json:"-"`
	CreatedAt        time.Time     `json:"created_at"`
	UpdatedAt        time.Time     `json:"updated_at"`
	EditedAt         *time.Time    `json:"edited_at,omitempty"`
	// For the viewer (false for anonymous visitors).
	Liked     bool `json:"liked"`
	Favorited bool `json:"favorited"`
	Mine      bool `json:"mine"`
	// Search results: the title and an excerpt with the matches in <mark>.
	TitleHTML   template.HTML `json:"title_html,omitempty"`
	SnippetHTML template.HTML `json:"snippet_html,omitempty"`
}

// TopicLabel is the Chinese name of the post's topic.
func (p *Post) TopicLabel() string { return TopicLabel(p.Topic) }

// Visible reports whether everyone may read the post.
func (p *Post) Visible() bool { return p.Status == "published" }

// ModerationLabel names the post's moderation state for its author.
func (p *Post) ModerationLabel() string { return moderationLabel(p.Moderation) }

// Excerpt is the start of the post's text without Markdown marks, for cards.
func (p *Post) Excerpt() string { return Excerpt(p.Body, 90) }

func moderationLabel(m string) string {
	switch m {
	case ModHeld:
		return "待审核"
	case ModHidden:
		return "已被隐藏"
	case ModDeleted:
		return "已被删除"
	case ModRemoved:
		return "已删除"
	}
	return ""
}

// Photo is a post's picture; URLs are served by the web layer.
type Photo struct {
	ID     int64 `json:"id"`
	Width  int   `json:"width"`
	Height int   `json:"height"`
}

// URL is the address of the full picture.
func (p Photo) URL() string { return fmt.Sprintf("/community/photos/%d", p.ID) }

// ThumbURL is the address of the thumbnail.
func (p Photo) ThumbURL() string { return fmt.Sprintf("/community/photos/%d/thumb", p.ID) }

// Comment is a comment or a reply (ParentID set) on a post.
type Comment struct {
	ID               int64      `json:"id"`
	PostID           int64      `json:"post_id"`
	ParentID         int64      `json:"parent_id,omitempty"`
	CustomerID       int64      `json:"-"`
	Author           Author     `json:"author"`
	Body             string     `json:"body"`
	Status           string     `json:"status"`
	Moderation       string     `json:"moderation,omitempty"`
	ModerationReason string     `json:"moderation_reason,omitempty"`
	CreatedAt        time.Time  `json:"created_at"`
	EditedAt         *time.Time `json:"edited_at,omitempty"`
	Mine             bool       `json:"mine"`
	Replies          []*Comment `json:"replies,omitempty"`
	// PostTitle is set where comments are listed away from their post.
	PostTitle string `json:"post_title,omitempty"`
}

// Visible reports whether everyone may read the comment.
func (c *Comment) Visible() bool { return c.Status == "published" }

// ModerationLabel names the comment's moderation state.
func (c *Comment) ModerationLabel() string { return moderationLabel(c.Moderation) }

// Service is the community.
type Service struct {
	db       *db.DB
	now      func() time.Time
	vehicles *vehicle.Service
	// Limits are the per-account rate limits; change before use.
	Limits Limits
	// published caches the count of published posts for the search.
	published struct {
		mu sync.Mutex
		n  int64
		at time.Time
	}
}

// Limits are the per-account write rates: at most Posts posts per
// PostWindow and Comments comments per CommentWindow.
type Limits struct {
	Posts         int
	PostWindow    time.Duration
	Comments      int
	CommentWindow time.Duration
	// Reports is the number of reports an owner may file per day.
	Reports int
}

// DefaultLimits are the limits of a new Service.
var DefaultLimits = Limits{Posts: 5, PostWindow: time.Hour, Comments: 20, CommentWindow: 10 * time.Minute, Reports: 30}

// NewService returns the community on d; vehicles gives the car badges;
// now may be nil for time.Now.
func NewService(d *db.DB, vehicles *vehicle.Service, now func() time.Time) *Service {
	return &Service{db: d, now: db.UTC(now), vehicles: vehicles, Limits: DefaultLimits}
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// hotEpoch is the origin of the hot score's time term.
var hotEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// HotScore is the feed's "hot" order (docs/系统设计.md, 车友圈热度):
// log10(1 + likes + 2 × comments) + (created − 2026-01-01) / 45,000 s, kept
// as an integer in millionths. Each tenfold of engagement is worth 12.5
// hours of freshness, so a post's lead fades as newer posts arrive without
// any score ever being recomputed for age.
func HotScore(likes, comments int, created time.Time) int64 {
	v := math.Log10(1+float64(likes)+2*float64(comments)) + created.Sub(hotEpoch).Seconds()/45000
	return int64(math.Round(v * 1e6))
}

// owner returns the customer id of an owner actor, or the error for anyone else.
func owner(actor *identity.User) (int64, error) {
	if err := identity.Require(actor); err != nil {
		return 0, err
	}
	if !actor.Is(identity.RoleOwner) || actor.CustomerID == 0 {
		return 0, apperr.New(apperr.Forbidden, "只有车主可以在车友圈发言")
	}
	return actor.CustomerID, nil
}

// viewer is the customer id of a reading owner, 0 for anyone else.
func viewer(actor *identity.User) int64 {
	if actor != nil && actor.Role == identity.RoleOwner {
		return actor.CustomerID
	}
	return 0
}

// CanModerate reports whether actor may moderate the community: admins and
// staff granted identity.PermModerator.
func CanModerate(actor *identity.User) bool {
	return actor != nil && actor.Role != identity.RoleOwner && actor.Can(identity.PermModerator)
}

func moderator(actor *identity.User) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	if !CanModerate(actor) {
		return apperr.New(apperr.Forbidden, "只有管理员和社区版主可以处理")
	}
	return nil
}

// runes counts the characters of s.
func runes(s string) int { return utf8.RuneCountInString(s) }

// clean trims s and normalises its line ends.
func clean(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}
