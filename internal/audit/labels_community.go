package audit

// The community's and the official content's audited actions
// (internal/community, internal/content).
func init() {
	for k, v := range map[string]string{
		"community_hide": "隐藏车友圈内容", "community_restore": "恢复车友圈内容", "community_delete": "删除车友圈内容",
		"community_dismiss": "驳回举报", "community_mute": "禁言车主", "community_unmute": "解除禁言",
		"community_add_word": "添加敏感词", "community_remove_word": "删除敏感词",
		"content_save": "保存官方内容", "content_withdraw": "撤回官方内容", "content_pin": "置顶资讯", "content_unpin": "取消置顶资讯",
	} {
		labels[k] = v
	}
}
