package audit

// The campaign area's audited actions (internal/campaign).
func init() {
	for k, v := range map[string]string{
		"create_campaign": "创建活动", "update_campaign": "修改活动", "campaign_publish": "发布活动", "campaign_start": "开始活动",
		"campaign_end": "结束活动", "campaign_archive": "归档活动", "campaign_cancel": "取消活动", "campaign_segment": "设置活动人群",
		"campaign_cost": "记录活动费用", "campaign_signup": "报名活动", "campaign_cancel_signup": "取消活动报名",
		"campaign_check_in": "活动签到", "campaign_referral": "推荐好友留资", "referral_reward": "发放推荐奖励",
		"redeem_coupon": "使用活动抵扣券", "export_campaigns": "导出活动效果",
	} {
		labels[k] = v
	}
}
