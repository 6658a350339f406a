package audit

// The owner center's audited actions (profile, vehicles, privacy).
func init() {
	for k, v := range map[string]string{
		"update_profile": "修改个人资料", "consent": "修改营销授权", "change_password": "修改密码",
		"vehicle.bind": "绑定车辆", "vehicle.transfer_code": "生成转让码",
		"privacy.export": "下载个人信息", "privacy.request_erase": "申请删除个人信息", "privacy.withdraw": "撤回删除申请",
		"erase": "删除个人信息（匿名化）", "erase_reject": "驳回删除申请",
	} {
		labels[k] = v
	}
}
