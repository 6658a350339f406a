package campaign

import "github.com/nevcrm/nevcrm/internal/privacy"

// The owner's campaign data in the privacy export ("下载我的数据"): sign-ups,
// coupons, the points ledger and the friends they referred (the friend's name only).
func init() {
	privacy.AddSection(privacy.Section{Name: "campaign_signups", Title: "活动报名",
		Columns: []privacy.Column{{Key: "campaign", Title: "活动"}, {Key: "status", Title: "状态"}, {Key: "joined_at", Title: "报名时间"},
			{Key: "attended_at", Title: "签到时间"}, {Key: "cancelled_at", Title: "取消时间"}},
		Query: `SELECT c.name, p.status, p.joined_at, p.attended_at, p.cancelled_at FROM campaign_participations p JOIN campaigns c ON c.id = p.campaign_id
			WHERE p.customer_id = $1 ORDER BY p.joined_at, p.id`})
	privacy.AddSection(privacy.Section{Name: "campaign_coupons", Title: "活动抵扣券",
		Columns: []privacy.Column{{Key: "code", Title: "券号"}, {Key: "campaign", Title: "活动"}, {Key: "value_fen", Title: "面额（分）"},
			{Key: "status", Title: "状态"}, {Key: "issued_at", Title: "发放时间"}, {Key: "expires_at", Title: "到期时间"}, {Key: "redeemed_at", Title: "使用时间"}},
		Query: `SELECT k.code, c.name, k.value_fen, k.status, k.issued_at, k.expires_at, k.redeemed_at FROM campaign_coupons k
			JOIN campaigns c ON c.id = k.campaign_id WHERE k.customer_id = $1 ORDER BY k.issued_at, k.id`})
	privacy.AddSection(privacy.Section{Name: "campaign_points", Title: "积分流水",
		Columns: []privacy.Column{{Key: "created_at", Title: "时间"}, {Key: "points", Title: "积分"}, {Key: "reason", Title: "原因"}, {Key: "campaign", Title: "活动"}},
		Query: `SELECT p.created_at, p.points, CASE p.reason WHEN 'check_in' THEN '活动签到' WHEN 'sign_up' THEN '活动报名' ELSE '推荐好友购车' END, c.name FROM campaign_points p JOIN campaigns c ON c.id = p.campaign_id
			WHERE p.customer_id = $1 ORDER BY p.created_at, p.id`})
	privacy.AddSection(privacy.Section{Name: "campaign_referrals", Title: "我推荐的好友",
		Columns: []privacy.Column{{Key: "campaign", Title: "活动"}, {Key: "friend", Title: "好友"}, {Key: "created_at", Title: "推荐时间"}, {Key: "rewarded_at", Title: "奖励时间"}},
		Query: `SELECT c.name, cu.name, f.created_at, f.rewarded_at FROM campaign_referrals f JOIN campaigns c ON c.id = f.campaign_id
			JOIN customers cu ON cu.id = f.customer_id WHERE f.referrer_id = $1 ORDER BY f.created_at, f.id`})
}
