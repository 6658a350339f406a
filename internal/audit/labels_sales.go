package audit

// The sales pipeline's audited actions (internal/sales).
func init() {
	for k, v := range map[string]string{
		"create_lead": "创建线索", "assign_lead": "分配线索", "follow_up": "记录跟进", "disqualify_lead": "标记无效",
		"convert_lead": "转为商机", "export_leads": "导出线索", "move_opportunity": "推进商机阶段", "update_opportunity": "修改商机",
		"assign_opportunity": "分配商机", "export_opportunities": "导出商机", "create_order": "录入整车订单", "deliver_order": "交付车辆",
		"book_test_drive": "预约试驾", "test_drive_outcome": "登记试驾结果", "export_test_drives": "导出试驾",
		"add_test_drive_car": "添加试驾车", "retire_test_drive_car": "停用试驾车", "restore_test_drive_car": "恢复试驾车",
		"create_assignment_rule": "添加分配规则", "delete_assignment_rule": "删除分配规则",
	} {
		labels[k] = v
	}
}
