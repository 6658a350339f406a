package datagen

import (
	"fmt"
	"image"
	"image/color"
	"slices"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/community"
)

// The community (车友圈, docs/数据生成说明.md): owners post from templates
// in the five topics, owners of the same city comment (a quarter of them
// replies), like and favourite; some posts carry photos; a few posts and
// comments were hidden by a moderator, reported, and their authors muted.
// Every published post is in the search index, and counters and hot scores
// agree with the rows.

// profile makes sure customer cid has a community profile.
func (g *gen) profile(cid int64, model int, at time.Time) {
	if g.profiles == nil {
		g.profiles = map[int64]bool{}
	}
	if g.profiles[cid] {
		return
	}
	g.profiles[cid] = true
	badge := ""
	if model >= 0 {
		badge = models[model].name
	}
	nick := fmt.Sprintf("%s%s%d", nickHabits[int(cid)%len(nickHabits)], nickNames[int(cid/7)%len(nickNames)], cid)
	g.l.add(g.t.profiles, cid, nick, badge, at, at)
}

// cityOwner picks an owner of city who received their car before day d,
// or -1 as customer when there is none.
func (g *gen) cityOwner(city int) (int64, int) {
	os := g.owners[city]
	if len(os) == 0 {
		return -1, -1
	}
	o := os[g.r.IntN(len(os))]
	return o.customer, int(o.model)
}

// communityPhotos is a pool of generated pictures (sky, road, a car in the
// owner's colour), re-encoded as uploads are; posts share them.
func (g *gen) communityPhotos() []photoBytes {
	if g.photoPool != nil {
		return g.photoPool
	}
	skies := []color.RGBA{{135, 190, 235, 255}, {250, 180, 120, 255}, {60, 70, 120, 255}, {170, 210, 200, 255}}
	cars := []color.RGBA{{240, 240, 240, 255}, {30, 30, 35, 255}, {20, 90, 160, 255}, {180, 30, 40, 255}, {120, 130, 140, 255}}
	for i := 0; i < 8; i++ {
		img := image.NewRGBA(image.Rect(0, 0, 640, 480))
		sky, car := skies[i%len(skies)], cars[(i*3)%len(cars)]
		for y := 0; y < 480; y++ {
			for x := 0; x < 640; x++ {
				var c color.RGBA
				switch {
				case y > 330:
					c = color.RGBA{70, 75, 80, 255} // road
					if y > 395 && y < 402 && (x/40)%2 == 0 {
						c = color.RGBA{230, 230, 230, 255}
					}
				case y > 300:
					c = color.RGBA{90, 150, 80, 255} // grass
				default:
					f := float64(y) / 300
					c = color.RGBA{uint8(float64(sky.R) * (1 - 0.3*f)), uint8(float64(sky.G) * (1 - 0.2*f)), sky.B, 255}
				}
				// The car: a body, a cabin and two wheels.
				bx := 180 + i*20
				switch {
				case y > 290 && y < 350 && x > bx && x < bx+280:
					c = car
				case y > 245 && y <= 290 && x > bx+60 && x < bx+210:
					c = color.RGBA{car.R / 2, car.G / 2, car.B/2 + 40, 255}
				}
				for _, wx := range []int{bx + 60, bx + 220} {
					if dx, dy := x-wx, y-350; dx*dx+dy*dy < 28*28 {
						c = color.RGBA{20, 20, 20, 255}
					}
				}
				img.SetRGBA(x, y, c)
			}
		}
		full, thumb, w, h, err := community.Reencode(img)
		if err != nil {
			panic(err) // encoding an in-memory picture cannot fail
		}
		g.photoPool = append(g.photoPool, photoBytes{full, thumb, w, h})
	}
	return g.photoPool
}

type photoBytes struct {
	full, thumb   []byte
	width, height int
}

// communitySetup writes the banned words.
func (g *gen) communitySetup() {
	for _, w := range communityWords {
		g.l.add(g.t.words, g.t.words.next(), w.word, w.action, g.admins[0], g.at(0, 600))
	}
}

// legacyPostDraws takes from the main stream exactly the draws the first
// community generator took for a post (4 topics, 10 comment texts, 3/3/2/2
// templates), so that every row outside the community stays as it was
// generated before the community had a stream of its own.
func (g *gen) legacyPostDraws(c *cust, from time.Time) {
	r := g.r
	topic := r.IntN(4)
	created := g.randTime(from, g.now)
	g.chance(0.02)
	n := min(10, g.poisson(2.5))
	for i := 0; i < n; i++ {
		g.randTime(created, g.now)
		g.chance(0.02)
		r.Int64N(c.id)
		r.IntN(10)
	}
	nLikes := min(int(c.id), g.poisson(4))
	seen := map[int64]bool{}
	for len(seen) < nLikes {
		who := 1 + r.Int64N(c.id)
		if seen[who] {
			continue
		}
		seen[who] = true
		g.randTime(created, g.now)
	}
	sizes := []int{3, 3, 2, 2}[topic]
	r.IntN(sizes)
	r.IntN(sizes)
}

// post writes a community post of customer c with comments, replies,
// likes, favourites, photos, reports and its search terms, drawing from the
// community's own stream.
func (g *gen) post(c *cust, fill *strings.Replacer, from time.Time) {
	main := g.r
	g.r = g.cr
	defer func() { g.r = main }()
	l, t, r := g.l, &g.t, g.r
	tp := postTopics[r.IntN(len(postTopics))]
	created := g.randTime(from, g.now)
	id := t.posts.next()
	g.profile(c.id, c.vModel, created)
	status, moderation, reason := "published", "", ""
	var modBy, modAt any
	if g.chance(0.02) {
		status, moderation, reason = "hidden", "hidden", g.pick(moderationReasons)
		modBy, modAt = g.admins[r.IntN(len(g.admins))], g.clampNow(created.Add(time.Duration(1+r.IntN(48))*time.Hour))
	}
	title, body := fill.Replace(g.pick(tp.titles)), fill.Replace(g.pick(tp.bodies))
	if status == "published" && g.chance(0.03) {
		// A word the moderators hold: waiting in the moderation queue.
		status, moderation = "hidden", "held"
		title, body = g.pick(heldTitles), fill.Replace(g.pick(heldBodies))
	}

	// Comments in time order; a quarter reply to an earlier comment.
	n := min(12, g.poisson(3))
	times := make([]time.Time, n)
	for i := range times {
		times[i] = g.randTime(created, g.now)
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	var tops []int64
	var published []string
	last := created
	for i, at := range times {
		who, model := g.cityOwner(c.city)
		if who <= 0 || who == c.id {
			who, model = 1+r.Int64N(c.id), -1
		}
		g.profile(who, model, at)
		cid := t.comments.next()
		cs, cm, cr := "published", "", ""
		// The first thread always has one hidden comment, whose author is
		// muted: even a small community shows the moderation at work.
		if g.chance(0.02) || t.mutes.lastID == 0 && i == len(times)-1 && who != c.id {
			cs, cm, cr = "hidden", "hidden", g.pick(moderationReasons)
		}
		var parent any
		text := g.pick(commentTexts)
		if len(tops) > 0 && g.chance(0.25) {
			parent = tops[r.IntN(len(tops))]
			text = g.pick(replyTexts)
		} else {
			tops = append(tops, cid)
		}
		l.add(t.comments, cid, id, who, text, cs, at, parent, cm, cr)
		last = later(last, at)
		if cs == "published" {
			published = append(published, text)
		} else {
			g.report(id, cid, g.other(c.id, who), at, "actioned")
			g.maybeMute(who, at)
		}
	}
	nLikes := min(int(c.id)-1, g.poisson(6))
	seen := map[int64]bool{c.id: true}
	favs := 0
	for len(seen) <= nLikes {
		who, _ := g.cityOwner(c.city)
		if who <= 0 || g.chance(0.3) {
			who = 1 + r.Int64N(c.id)
		}
		if seen[who] {
			if len(seen) > int(c.id)/2 {
				break
			}
			continue
		}
		seen[who] = true
		at := g.randTime(created, g.now)
		l.add(t.likes, id, who, at)
		if g.chance(0.3) {
			l.add(t.favorites, id, who, at)
			favs++
		}
	}
	likes := len(seen) - 1
	photos := 0
	if g.chance(0.2) {
		pool := g.communityPhotos()
		photos = 1 + r.IntN(4)
		for p := 0; p < photos; p++ {
			ph := pool[r.IntN(len(pool))]
			l.add(t.photos, t.photos.next(), id, p, ph.width, ph.height, ph.full, ph.thumb, created)
		}
	}
	l.add(t.posts, id, c.id, tp.topic, title, body, status, likes, len(published), created, last,
		moderation, reason, modBy, modAt, photos, favs, community.HotScore(likes, len(published), created))
	if status == "published" {
		for term, w := range community.IndexTerms(title, body, published) {
			l.add(t.terms, term, id, w)
		}
		if g.chance(0.03) && c.id > 2 {
			g.report(id, 0, g.other(c.id, c.id), g.randTime(created, g.now), "open")
		}
	} else if moderation == "hidden" {
		g.report(id, 0, g.other(c.id, c.id), created, "actioned")
		g.maybeMute(c.id, created)
	}
}

// report writes a report of post (comment 0) or comment by reporter.
func (g *gen) report(post, comment, reporter int64, at time.Time, status string) {
	reasons := []string{"spam", "abuse", "other", "privacy"}
	target, cm := fmt.Sprintf("p%d", post), any(nil)
	if comment != 0 {
		target, cm = fmt.Sprintf("c%d", comment), comment
	}
	var by, handled any
	if status != "open" {
		by, handled = g.admins[0], g.clampNow(at.Add(2*time.Hour))
	}
	g.l.add(g.t.reports, g.t.reports.next(), post, cm, target, reporter, reasons[g.r.IntN(len(reasons))], "", status, by, handled, at)
}

// other picks a customer before cid other than a and b (cid itself when
// there is none).
func (g *gen) other(a, b int64) int64 {
	hi := max(a, b)
	for i := 0; i < 20 && hi > 2; i++ {
		if x := 1 + g.r.Int64N(hi); x != a && x != b {
			return x
		}
	}
	return hi
}

// maybeMute mutes the author of hidden content for a week, always the
// first time so that the table is never empty, later for 30 %.
func (g *gen) maybeMute(cid int64, at time.Time) {
	if g.t.mutes.lastID == 0 || g.chance(0.3) {
		g.l.add(g.t.mutes, g.t.mutes.next(), cid, at.AddDate(0, 0, 7), "多次发布违规内容", g.admins[0], at)
	}
}
