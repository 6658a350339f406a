package community

import (
	"context"
	"database/sql"
	"strings"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// MeLimit is the number of entries each list of the owner's page shows.
const MeLimit = 100

// MyPosts returns the actor's own posts, newest first, at most MeLimit,
// including hidden and held ones with the moderator's reason. Owners only.
func (s *Service) MyPosts(ctx context.Context, actor *identity.User) ([]*Post, error) {
	cid, err := owner(actor)
	if err != nil {
		return nil, err
	}
	posts, err := s.queryPosts(ctx, s.db, "SELECT "+postColumns+postFrom+` WHERE p.customer_id = $1 ORDER BY p.created_at DESC, p.id DESC LIMIT $2`, cid, MeLimit)
	if err != nil {
		return nil, err
	}
	return posts, s.decorate(ctx, actor, posts)
}

// MyFavorites returns the published posts the actor favourited, most
// recently favourited first, at most MeLimit. Owners only.
func (s *Service) MyFavorites(ctx context.Context, actor *identity.User) ([]*Post, error) {
	cid, err := owner(actor)
	if err != nil {
		return nil, err
	}
	posts, err := s.queryPosts(ctx, s.db, "SELECT "+postColumns+postFrom+` JOIN post_favorites f ON f.post_id = p.id
		WHERE f.customer_id = $1 AND p.status = 'published' ORDER BY f.created_at DESC, p.id DESC LIMIT $2`, cid, MeLimit)
	if err != nil {
		return nil, err
	}
	return posts, s.decorate(ctx, actor, posts)
}

// MyComments returns the actor's comments with their post's title, newest
// first, at most MeLimit, including hidden ones with the reason (not those
// they removed). Owners only.
func (s *Service) MyComments(ctx context.Context, actor *identity.User) ([]*Comment, error) {
	cid, err := owner(actor)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+commentColumns+", p.title"+commentFrom+` JOIN posts p ON p.id = c.post_id
		WHERE c.customer_id = $1 AND c.moderation <> 'removed' ORDER BY c.created_at DESC, c.id DESC LIMIT $2`, cid, MeLimit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Comment
	for rows.Next() {
		var c Comment
		var edited sql.NullTime
		if err := rows.Scan(&c.ID, &c.PostID, &c.ParentID, &c.CustomerID, &c.Author.Nickname, &c.Author.Badge,
			&c.Body, &c.Status, &c.Moderation, &c.ModerationReason, &c.CreatedAt, &edited, &c.PostTitle); err != nil {
			return nil, err
		}
		if edited.Valid {
			t := edited.Time.UTC()
			c.EditedAt = &t
		}
		c.Mine = true
		out = append(out, &c)
	}
	return out, rows.Err()
}

// Profile is an owner's community identity.
type Profile struct {
	Nickname string `json:"nickname"`
	Badge    string `json:"badge"`
}

// MyProfile returns the actor's nickname and badge (the defaults before
// their first post). Owners only.
func (s *Service) MyProfile(ctx context.Context, actor *identity.User) (*Profile, error) {
	cid, err := owner(actor)
	if err != nil {
		return nil, err
	}
	p := &Profile{}
	err = s.db.QueryRowContext(ctx, `SELECT nickname, badge FROM community_profiles WHERE customer_id = $1`, cid).Scan(&p.Nickname, &p.Badge)
	if db.NoRows(err) {
		return &Profile{Nickname: defaultNickname(cid), Badge: s.badge(ctx, actor)}, nil
	}
	return p, err
}

// SetNickname changes the actor's nickname (2 to MaxNick characters, no
// banned word, no digits run that could be a phone number). Owners only;
// Invalid on field "nickname"; Conflict-free: a nickname taken by another
// owner is an Invalid error on the field.
func (s *Service) SetNickname(ctx context.Context, actor *identity.User, nick string) (*Profile, error) {
	cid, err := owner(actor)
	if err != nil {
		return nil, err
	}
	nick = strings.TrimSpace(nick)
	var v apperr.Validator
	v.Check(runes(nick) >= 2 && runes(nick) <= MaxNick, "nickname", "昵称须为 2 到 16 个字")
	v.Check(!phoneLike(nick), "nickname", "昵称不能包含手机号等长串数字")
	v.Check(!strings.ContainsAny(nick, "<>\"'&\n\t"), "nickname", "昵称不能包含特殊符号")
	if err := v.Err(); err != nil {
		return nil, err
	}
	badge := s.badge(ctx, actor)
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.screenFields(ctx, tx, map[string]string{"nickname": nick}); err != nil {
			return err
		}
		var taken int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM community_profiles WHERE nickname = $1 AND customer_id <> $2`, nick, cid).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			return apperr.Field("nickname", "这个昵称已被其他车友使用")
		}
		now := s.now()
		_, err := tx.ExecContext(ctx, `INSERT INTO community_profiles (customer_id, nickname, badge, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
			ON CONFLICT (customer_id) DO UPDATE SET nickname = excluded.nickname, badge = excluded.badge, updated_at = excluded.updated_at`,
			cid, nick, badge, now)
		if db.IsUniqueViolation(err) {
			return apperr.Field("nickname", "这个昵称已被其他车友使用")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Profile{Nickname: nick, Badge: badge}, nil
}

// phoneLike reports whether s holds a run of 7 or more digits.
func phoneLike(s string) bool {
	run := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			run++
			if run >= 7 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}
