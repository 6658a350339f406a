package datagen

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"time"
)

// The owner center's rows (migration 00011): who owned each car since
// when, the monthly battery-health and odometer history, the bind codes of
// recent deliveries and a few personal-data deletion requests. They draw
// from their own stream (g.oc), so they leave every other row as it was.

// healthMonths is the longest battery-health history kept per vehicle.
const healthMonths = 96

// ownerCenter writes vehicle id's ownership (delivered to customer c) and
// its month-by-month history from delivery to now: the odometer grows by
// the owner's daily distance, the state of health follows the same model
// as the vehicle's current value (stateOfHealth, with the vehicle's own
// noise), so the last month equals the vehicle row and no month is
// healthier than the one before.
func (g *gen) ownerCenter(c *cust, id int64, delivered time.Time, fast, noise float64, mileage int) {
	l, t := g.l, &g.t
	l.add(t.ownerships, t.ownerships.next(), id, c.id, "delivery", delivered, nil)
	local := delivered.In(shanghai)
	month := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, shanghai)
	nowLocal := g.now.In(shanghai)
	last := time.Date(nowLocal.Year(), nowLocal.Month(), 1, 0, 0, 0, 0, shanghai)
	if n := int(last.Sub(month).Hours()/24/30.44) + 1; n > healthMonths {
		month = last.AddDate(0, -(healthMonths - 1), 0)
	}
	prevSOH, prevKM := 100.0, 0
	for ; !month.After(last); month = month.AddDate(0, 1, 0) {
		at := month.AddDate(0, 1, 0) // the month's end
		if at.After(g.now) {
			at = g.now
		}
		days := at.Sub(delivered).Hours() / 24
		if days < 0 {
			days = 0
		}
		km := min(mileage, int(float64(c.kmPerDay)*days))
		soh := stateOfHealth(days/365.25, float64(km), fast, noise)
		if month.Equal(last) {
			km = mileage
			soh = c.soh
		}
		soh, km = min(soh, prevSOH), max(km, prevKM)
		prevSOH, prevKM = soh, km
		l.add(t.health, id, time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC), soh, km, math.Round(fast*100)/100)
	}
	// A delivery of the last 90 days still has its bind code (only its hash).
	if g.now.Sub(delivered) < 90*24*time.Hour {
		code := fmt.Sprintf("%08d", g.oc.IntN(100000000))
		sum := sha256.Sum256([]byte(fmt.Sprintf("%d:%s", id, code)))
		l.add(t.bindCodes, t.bindCodes.next(), id, hex.EncodeToString(sum[:]), "delivery", nil, delivered, delivered.Add(90*24*time.Hour))
	}
}

// privacyRequest writes, for about one owner account in 97, a request to
// erase their personal data: every other one made in the last 12 days; those
// of the last 15 days are pending (due within the 15 days the privacy policy
// states), older ones withdrawn by the owner.
func (g *gen) privacyRequest(customerID, userID int64, since time.Time) {
	g.ocAccounts++
	if g.ocAccounts%97 != 1 {
		return
	}
	at := g.randTime(since, g.now)
	if g.ocAccounts%194 == 1 {
		// Every other one recent: the admins' queue has work (within the 15 days).
		at = g.randTime(maxTime(since, g.now.Add(-12*24*time.Hour)), g.now)
	}
	status, decided := "pending", any(nil)
	if g.now.Sub(at) > 15*24*time.Hour {
		status, decided = "withdrawn", at.Add(time.Duration(1+g.oc.IntN(72))*time.Hour)
	}
	g.l.add(g.t.privacy, g.t.privacy.next(), customerID, userID, "erase", status, "不再使用该车辆，希望删除个人信息", at, at.Add(15*24*time.Hour), decided)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
