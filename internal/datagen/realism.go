package datagen

// Reference tables behind the generated data. docs/数据生成说明.md gives the
// source of every number here; keep the two in step.

import "github.com/nevcrm/nevcrm/internal/support"

// city is a sales region: the weight is its approximate 2023 NEV
// registrations in 10,000s, which sets the share of customers and sites.
type city struct {
	name, province, plate string // plate: province abbreviation + city letter
	lat, lon              float64
	weight                float64
	tier1                 bool   // 一线/新一线: higher conversion (see lead model)
	areaCode              string // landline prefix for site phone numbers
	districts             []string
	swap                  bool // the maker runs swap stations there
}

var cities = []city{
	{"上海", "上海", "沪A", 31.23, 121.47, 35, true, "021", []string{"浦东新区", "闵行区", "徐汇区", "嘉定区"}, true},
	{"深圳", "广东", "粤B", 22.54, 114.06, 30, true, "0755", []string{"南山区", "福田区", "龙岗区", "宝安区"}, true},
	{"杭州", "浙江", "浙A", 30.27, 120.16, 27, true, "0571", []string{"西湖区", "滨江区", "余杭区", "萧山区"}, true},
	{"成都", "四川", "川A", 30.57, 104.07, 25, true, "028", []string{"武侯区", "锦江区", "高新区", "天府新区"}, true},
	{"广州", "广东", "粤A", 23.13, 113.26, 22, true, "020", []string{"天河区", "番禺区", "海珠区", "白云区"}, true},
	{"重庆", "重庆", "渝A", 29.56, 106.55, 21, true, "023", []string{"渝北区", "九龙坡区", "南岸区", "江北区"}, true},
	{"北京", "北京", "京A", 39.90, 116.40, 21, true, "010", []string{"朝阳区", "海淀区", "丰台区", "大兴区"}, true},
	{"郑州", "河南", "豫A", 34.75, 113.63, 19, true, "0371", []string{"金水区", "郑东新区", "二七区"}, false},
	{"西安", "陕西", "陕A", 34.34, 108.94, 18, true, "029", []string{"雁塔区", "未央区", "长安区"}, true},
	{"天津", "天津", "津A", 39.13, 117.20, 15, true, "022", []string{"和平区", "南开区", "滨海新区"}, false},
	{"苏州", "江苏", "苏E", 31.30, 120.58, 14, true, "0512", []string{"工业园区", "吴中区", "姑苏区"}, true},
	{"武汉", "湖北", "鄂A", 30.59, 114.31, 13, true, "027", []string{"武昌区", "洪山区", "江汉区"}, true},
	{"长沙", "湖南", "湘A", 28.23, 112.94, 12, true, "0731", []string{"岳麓区", "雨花区", "开福区"}, false},
	{"东莞", "广东", "粤S", 23.02, 113.75, 11, true, "0769", []string{"南城街道", "松山湖", "长安镇"}, false},
	{"佛山", "广东", "粤E", 23.02, 113.12, 10, true, "0757", []string{"禅城区", "南海区", "顺德区"}, false},
	{"南京", "江苏", "苏A", 32.06, 118.80, 10, true, "025", []string{"鼓楼区", "建邺区", "江宁区"}, true},
	{"合肥", "安徽", "皖A", 31.82, 117.23, 9, true, "0551", []string{"蜀山区", "包河区", "政务区"}, false},
	{"宁波", "浙江", "浙B", 29.87, 121.54, 9, false, "0574", []string{"鄞州区", "海曙区", "北仑区"}, false},
	{"青岛", "山东", "鲁B", 36.07, 120.38, 7, false, "0532", []string{"市南区", "崂山区", "黄岛区"}, false},
	{"昆明", "云南", "云A", 25.04, 102.71, 7, false, "0871", []string{"五华区", "官渡区", "呈贡区"}, false},
	{"厦门", "福建", "闽D", 24.48, 118.09, 5, false, "0592", []string{"思明区", "湖里区", "集美区"}, false},
	{"南宁", "广西", "桂A", 22.82, 108.37, 5, false, "0771", []string{"青秀区", "西乡塘区", "良庆区"}, false},
}

// surnames with their share (%) of the population, 2020 national name report
// (公安部户政管理研究中心《二〇二〇年全国姓名报告》) and earlier registry data.
var surnames = []struct {
	name string
	pct  float64
}{
	{"王", 7.12}, {"李", 7.00}, {"张", 6.74}, {"刘", 5.10}, {"陈", 4.61}, {"杨", 3.22}, {"黄", 2.45},
	{"赵", 2.19}, {"吴", 2.08}, {"周", 2.00}, {"徐", 1.45}, {"孙", 1.38}, {"马", 1.29}, {"朱", 1.26},
	{"胡", 1.16}, {"郭", 1.15}, {"何", 1.06}, {"林", 1.00}, {"高", 1.00}, {"罗", 0.86}, {"郑", 0.78},
	{"梁", 0.76}, {"谢", 0.73}, {"宋", 0.70}, {"唐", 0.70}, {"许", 0.66}, {"韩", 0.63}, {"冯", 0.61},
	{"邓", 0.60}, {"曹", 0.59}, {"彭", 0.56}, {"曾", 0.55}, {"肖", 0.55}, {"田", 0.53}, {"董", 0.52},
	{"潘", 0.50}, {"袁", 0.49}, {"蔡", 0.48}, {"蒋", 0.48}, {"余", 0.46}, {"于", 0.46}, {"杜", 0.45},
	{"叶", 0.44}, {"程", 0.43}, {"魏", 0.41}, {"苏", 0.40}, {"吕", 0.39}, {"丁", 0.38}, {"任", 0.37},
	{"卢", 0.36}, {"欧阳", 0.05}, {"司马", 0.01},
}

var (
	maleChars   = []rune("伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林阳建亮成志文博轩睿泽晨航毅峰嘉诚")
	femaleChars = []rune("芳娜敏静丽艳娟霞秀玲婷雪慧莉颖琳倩洁燕佳欣怡悦萱涵雨梦瑶晶璐诗琪彤雅楠思")
)

// mobilePrefixes are the three-digit mobile segments of the three carriers;
// each carrier's share of subscribers (MIIT 2023 statistics, rounded) is split
// evenly among its segments.
var mobilePrefixes = []struct {
	share    float64
	prefixes []string
}{
	{0.57, []string{"134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157", "158", "159", "178", "182", "183", "184", "187", "188", "198"}}, // 中国移动
	{0.24, []string{"133", "149", "153", "173", "177", "180", "181", "189", "191", "199"}},                                                                       // 中国电信
	{0.19, []string{"130", "131", "132", "145", "155", "156", "166", "175", "176", "185", "186"}},                                                                // 中国联通
}

// vehicleModel is one model of the maker's line-up. rangeKM is the CLTC
// electric range; weight is its share of sales.
type vehicleModel struct {
	code, name, body, powertrain string
	kwh                          float64
	rangeKM                      int
	priceYuan                    int
	seats                        int
	swap                         bool
	launch                       string // YYYY-MM-DD
	weight                       float64
}

// models: BEV 60 %, PHEV 27 %, EREV 13 % of sales, close to the 2024 China
// retail mix (乘联会 CPCA); specs follow comparable models on the market.
var models = []vehicleModel{
	{"QC-E3", "启程 E3", "hatchback", "BEV", 51.9, 401, 119800, 5, false, "2022-03-18", 0.12},
	{"QC-S5", "启程 S5", "sedan", "BEV", 75, 560, 229800, 5, true, "2021-09-01", 0.14},
	{"QC-S7", "启程 S7", "sedan", "BEV", 100, 705, 309800, 5, true, "2023-04-20", 0.08},
	{"QC-X5", "启程 X5", "suv", "BEV", 75, 520, 259800, 5, true, "2022-06-15", 0.17},
	{"QC-X7", "启程 X7", "suv", "BEV", 100, 650, 339800, 5, true, "2023-08-08", 0.09},
	{"QC-H6", "启程 H6 DM", "suv", "PHEV", 18.3, 120, 159800, 5, false, "2022-01-10", 0.17},
	{"QC-H8", "启程 H8 DM", "mpv", "PHEV", 36.6, 200, 269800, 7, false, "2023-11-11", 0.10},
	{"QC-L7", "启程 L7 增程", "suv", "EREV", 42.8, 225, 319800, 5, false, "2023-02-28", 0.08},
	{"QC-L9", "启程 L9 增程", "suv", "EREV", 52.3, 280, 409800, 6, false, "2024-05-20", 0.05},
}

// monthWeight is the relative NEV retail volume per calendar month (January
// first): the Spring-Festival dip and the year-end peak of CPCA monthly data.
var monthWeight = [12]float64{0.78, 0.62, 0.92, 0.86, 0.93, 1.02, 0.96, 1.02, 1.10, 1.14, 1.25, 1.40}

var colors = []string{"星际灰", "珍珠白", "曜石黑", "冰川蓝", "极光绿", "赤焰红", "月光银"}

// part is a spare part kept by service centers.
type part struct {
	sku, name, category, unit string
	priceYuan                 int
	reorder                   int
	kinds                     string // work-order kinds that use it: m(aintenance) r(epair) b(attery)
}

var partList = []part{
	{"P-AC-FILTER", "空调滤芯", "保养件", "件", 168, 20, "m"},
	{"P-WIPER", "雨刮片(对)", "保养件", "对", 198, 10, "m"},
	{"P-WASHER", "玻璃水 2L", "保养件", "瓶", 30, 30, "m"},
	{"P-BRAKE-FLUID", "制动液 DOT4 1L", "保养件", "瓶", 128, 15, "m"},
	{"P-COOLANT", "电池冷却液 4L", "保养件", "桶", 260, 10, "mb"},
	{"P-GEAR-OIL", "减速器油 1L", "保养件", "瓶", 150, 10, "m"},
	{"P-PAD-F", "前制动片", "制动系统", "套", 680, 6, "r"},
	{"P-PAD-R", "后制动片", "制动系统", "套", 560, 6, "r"},
	{"P-DISC-F", "前制动盘", "制动系统", "件", 980, 4, "r"},
	{"P-TYRE-19", "轮胎 245/45 R19", "轮胎", "条", 1350, 8, "r"},
	{"P-TYRE-20", "轮胎 255/50 R20", "轮胎", "条", 1680, 8, "r"},
	{"P-12V", "12V 蓄电池", "电气", "件", 980, 4, "rm"},
	{"P-HEADLAMP", "前大灯总成", "车身外饰", "件", 4800, 2, "r"},
	{"P-MIRROR", "外后视镜总成", "车身外饰", "件", 1650, 2, "r"},
	{"P-BUMPER-F", "前保险杠", "车身外饰", "件", 2600, 2, "r"},
	{"P-GLASS-F", "前挡风玻璃", "车身外饰", "件", 2900, 2, "r"},
	{"P-PORT-COVER", "充电口盖总成", "三电系统", "件", 420, 4, "rb"},
	{"P-AC-GUN", "交流充电枪", "三电系统", "件", 2999, 3, "b"},
	{"P-OBC", "车载充电机 OBC", "三电系统", "件", 6800, 1, "b"},
	{"P-PUMP", "电池冷却水泵", "三电系统", "件", 1200, 2, "b"},
	{"P-HV-HARNESS", "高压线束", "三电系统", "件", 3500, 1, "b"},
	{"P-BMS", "BMS 主控板", "三电系统", "件", 5600, 1, "b"},
	{"P-MODULE", "动力电池模组", "三电系统", "件", 18000, 1, "b"},
	{"P-SHOCK-F", "前减震器", "底盘悬架", "件", 1450, 2, "r"},
	{"P-ARM", "下摆臂", "底盘悬架", "件", 860, 2, "r"},
	{"P-TIE-ROD", "转向拉杆球头", "底盘悬架", "件", 320, 4, "r"},
	{"P-COMPRESSOR", "电动空调压缩机", "空调", "件", 5200, 1, "r"},
	{"P-HANDLE-MOTOR", "门把手电机", "电气", "件", 380, 4, "r"},
	{"P-RADAR", "倒车雷达探头", "电气", "件", 260, 6, "r"},
	{"P-WHEEL-BOLT", "轮毂螺栓", "底盘悬架", "件", 15, 40, "r"},
}

// leadSources: share of leads and the source's coefficient in the conversion
// model (see leadmodel.go).
var leadSources = []struct {
	name   string
	share  float64
	td     float64 // probability that the lead takes a test drive
	visits float64 // mean store visits
}{
	{"website", 0.16, 0.30, 0.6},
	{"app", 0.18, 0.35, 0.7},
	{"walk_in", 0.15, 0.60, 1.8},
	{"referral", 0.10, 0.55, 1.3},
	{"event", 0.07, 0.50, 1.0},
	{"call_center", 0.08, 0.25, 0.5},
	{"social_media", 0.16, 0.20, 0.4},
	{"auto_show", 0.05, 0.45, 0.9},
	{"partner", 0.05, 0.30, 0.6},
}

var interestsList = []string{"长续航", "智能驾驶", "换电", "家用空间", "性价比", "快充", "座舱娱乐", "越野露营", "低能耗", "外观设计"}

var lostReasons = []string{"预算不足", "选择了竞品", "暂缓购车", "等待新款", "对续航有顾虑", "家中无法安装充电桩", "联系不上"}

var followUpTexts = []string{
	"电话回访，客户对{model}的续航比较关注，约定周末到店看车。",
	"微信发送了{model}的配置表和当月金融方案。",
	"客户到店看了{model}，对内饰满意，担心充电是否方便。",
	"介绍了换电权益和家充桩安装流程，客户表示会和家人商量。",
	"客户询问{model}的置换补贴，已发送置换评估预约链接。",
	"短信提醒试驾时间，客户确认按时到店。",
	"回访试驾感受：客户认为{model}加速平顺、隔音好。",
	"客户比较了竞品，重点关心价格和交付周期。",
}

var nextActions = []string{"邀约试驾", "发送报价", "跟进金融方案", "邀请参加门店活动", "确认交付时间", ""}

var testDriveFeedback = []string{"加速很有推背感，底盘扎实。", "座椅舒适，后排空间够用。", "辅助驾驶比预期好用。", "隔音一般，希望看看高配。", "整体满意，回去和家人商量。"}

var campaignKinds = []struct {
	kind, channel, name string
}{
	{"test_drive_event", "offline", "周末试驾嘉年华"},
	{"discount", "offline", "限时购车礼"},
	{"referral", "online", "老带新推荐有礼"},
	{"online", "online", "直播看车节"},
	{"charging_promo", "app", "充电半价周"},
	{"owner_event", "offline", "车主露营日"},
}

// postTopics are community post templates by topic code (community.Topics);
// {placeholders} are filled from the author's vehicle and city. Bodies use
// the Markdown subset the community renders.
var postTopics = []struct {
	topic  string
	titles []string
	bodies []string
}{
	{"experience", []string{"{model} 提车{months}个月的真实感受", "{model} 通勤一个月能耗总结", "说说{model}的几个小缺点", "冬季续航实测：{model} 打几折？", "单踏板模式用了{months}个月的体会"},
		[]string{"提车{months}个月，总里程{km}公里。市区平均能耗还不错，冬天开空调会高一些。\n\n**优点**：加速平顺、车机流畅；\n**缺点**：后排地台略高。",
			"每天通勤往返{daily}公里，家充为主，偶尔用超充。整体用车成本比原来的油车低很多，一个月电费不到两百。",
			"座椅通风很实用，辅助驾驶在高速上很省心。希望下次 OTA 能优化自动泊车，窄车位还是要自己来。",
			"最近降温到零下，早上出门表显续航掉得明显。实测：\n\n- 市区通勤：续航约打八折\n- 高速 110 km/h：约打七折\n\n提前预热电池和座舱能好不少。",
			"刚开始不习惯单踏板，一周后就离不开了。动能回收调到标准档，市区几乎不用踩刹车，能耗也低了一点。"}},
	{"charging", []string{"{city}换电体验分享", "冬季充电小技巧", "家充桩安装全过程", "{city}哪个换电站排队少？", "超充站实测：30%到80%用了多久"},
		[]string{"周末去{city}的换电站，全程不到5分钟，电池从{soc}%换到满电。排队的车不多，站里很干净。",
			"冬天提前预约出发时间让电池预热，快充速度明显提升。建议大家试试，导航到充电站也会自动预热。",
			"物业开了证明，供电局上门装表，前后两周。家充一晚电费不到二十元，谷电时段设置好定时充电更省。",
			"工作日晚上七点后去{city}的换电站基本不用等，周末中午人最多。大家可以在 App 里先看排队情况再出发。",
			"今天在{city}超充站测了一下：从{soc}%充到80%用了二十多分钟，峰值功率一百多千瓦。电池温度够的话速度很稳。"}},
	{"trip", []string{"开着{model}自驾{city}周边", "国庆长途自驾纪实", "带娃露营：{model} 的外放电太好用了", "一千公里长途补能攻略"},
		[]string{"全程{km}公里，沿途服务区充电桩够用，只排过一次队。风景很好，推荐大家去。",
			"长途主要靠导航规划补能，满电出发，到目的地还剩{soc}%。节假日建议错峰，服务区充电桩早上人少。",
			"周末去郊外露营，用外放电煮火锅、开投影，一晚上只用了不到10%的电。车里睡觉开空调也很安静。",
			"我的经验：\n\n1. 出发前规划好换电站和超充站\n2. 电量别低于20%再补能\n3. 服务区桩位紧张时先去下一个\n\n一路下来很顺利。"}},
	{"model", []string{"终于提车啦！{color}{model}", "{model}到手，分享交付体验", "纠结{model}选哪个版本？说说我的选择", "{model} 车机新功能体验"},
		[]string{"在{city}门店提车，销售顾问讲解很细致，交付仪式很用心。颜色选的{color}，太喜欢了！",
			"从下定到交付不到一个月，比预期快。第一次开新能源车，慢慢适应单踏板。",
			"最后选了长续航版，主要考虑冬天和长途。标准版日常通勤也够用，预算有限的车友不用纠结。",
			"最近 OTA 后车机多了几个实用功能：哨兵模式看回放更快了，语音助手能连续对话。"}},
	{"city", []string{"{city}车友周末约跑山吗？", "{city}有什么适合新能源车的停车场推荐", "{city}新开的服务中心体验"},
		[]string{"{city}的车友们，这周末有没有一起去郊外跑山的？可以在评论区报名，人多了建个群。",
			"分享几个{city}充电停车都方便的商场：地下停车场快充桩多，停车还能减免。大家还有推荐的吗？",
			"今天去{city}新开的服务中心做保养，环境很好，师傅讲解清楚，一个小时就弄完了。"}},
}

var commentTexts = []string{"感谢分享，很有参考价值！", "同款车，能耗差不多。", "请问家充桩是哪家装的？", "换电确实方便，我也常去那个站。",
	"冬天续航打几折？", "恭喜提车，用车愉快！", "写得很详细，收藏了。", "OTA以后辅助驾驶好用多了。", "我这边服务中心的师傅也很专业。", "同城的车友可以约一下露营。",
	"这个换电站我也去过，晚上人确实少。", "预热电池这个技巧学到了，谢谢！", "超充站的功率跟温度关系很大。", "长途还是换电最省心。",
	"单踏板习惯了真的回不去了。", "外放电露营太香了！", "求问家充谷电时段怎么设置？", "同问，我也在纠结选哪个版本。"}

var replyTexts = []string{"谢谢！有问题随时问。", "是的，我也是这么觉得。", "App 里的充电设置可以选谷电时段。", "冬天大概打八折左右。",
	"可以私信交流一下。", "哈哈同感！", "我是在官方渠道装的，挺快。", "下次一起！"}

// Community nicknames: a habit and a character, joined with the customer's id.
var nickHabits = []string{"爱自驾的", "夜跑的", "换电达人", "通勤族", "露营派", "慢充党", "快乐的", "周末去", "城市漫游", "新手"}
var nickNames = []string{"阿杰", "小雨", "老陈", "木木", "大鹏", "小鱼", "橙子", "阿May", "飞飞", "石头", "小七", "安安"}

// communityWords are the generated banned words: blocked outright, or held for review.
var communityWords = []struct{ word, action string }{
	{"加微信", "block"}, {"代开发票", "block"}, {"刷单", "block"}, {"贷款秒批", "block"},
	{"维权群", "hold"}, {"退车", "hold"}, {"曝光", "hold"},
}

// heldTitles and heldBodies are posts with a held word (communityWords).
var heldTitles = []string{"提车三天就想退车了", "有没有车友建维权群？", "曝光一下某门店的服务"}
var heldBodies = []string{"{city}门店交车时漆面有划痕，沟通了一周还没解决，想问问大家怎么处理。",
	"车机偶尔黑屏，去服务中心检查了两次都没查出问题，有遇到同样情况的车友吗？"}

// moderationReasons are the reasons moderators give for hiding content.
var moderationReasons = []string{"含广告或引流信息", "人身攻击，请文明发言", "与车友圈主题无关", "包含他人隐私信息"}

var feedbackByRating = [6][]string{
	{},
	{"等待时间太长，预约了还要排队。", "问题没有解决，需要再次返厂。"},
	{"服务态度一般，沟通不够及时。", "维修费用比预期高。"},
	{"整体还行，流程可以再简化。", "交车时车辆没有清洗。"},
	{"技师很专业，讲解清楚。", "按时完成，环境不错。", "换电很快，站点干净。"},
	{"非常满意，服务超出预期！", "预约准时，全程透明，点赞。", "顾问和技师都很专业，下次还来。"},
}

// complaintsByCategory and suggestionsByCategory are what owners write
// about a completed appointment, by feedback category (feedbackTopics).
var complaintsByCategory = map[string][]string{
	"charging": {"超充站高峰期排队太久，半小时才轮到。", "充电功率一直上不去，只有六十千瓦左右。", "车位经常被燃油车占用，希望加强管理。"},
	"swap":     {"换电站周末排队太长，预约了还要等。", "换电后提示电池温度异常，又回站检查了一次。"},
	"repair":   {"保养后空调异响还在，需要再次返厂。", "等配件等了三天，进度没有人通知。", "交车时发现内饰有划痕。"},
	"battery":  {"换上的电池包健康度比原来的低，心里不踏实。", "冬天续航掉得厉害，希望给个说法。"},
	"billing":  {"结算金额比报价高，账单明细不清楚。", "充电费用和 App 显示的不一致。"},
	"service":  {"前台接待态度一般，交车说明很仓促。", "等候区太吵，没有地方办公。"},
	"software": {"App 预约页面经常加载失败。", "充电结束后 App 没有推送通知。"},
}

var suggestionsByCategory = map[string][]string{
	"charging": {"建议充电站增加休息区和自动售货机。", "希望 App 能显示每个充电桩的实时空闲状态。"},
	"swap":     {"建议换电站延长夜间营业时间。", "希望换电完成后推送电池包检测报告。"},
	"repair":   {"建议保养完成后提供视频讲解。", "希望提供上门取送车服务。"},
	"battery":  {"希望定期推送电池健康度变化。", "建议提供免费的电池深度检测。"},
	"billing":  {"建议账单里列明质保承担的部分。", "希望支持分期支付维修费用。"},
	"service":  {"建议休息区增加充电插座和无线网络。", "希望交车时有专人讲解新功能。"},
	"software": {"希望 App 可以一键预约保养并选择技师。", "建议 App 增加充电账单导出。"},
}

var ticketTemplates = []struct {
	category, subject, description string
}{
	{"charging", "公共充电桩无法启动充电", "在{city}的充电站扫码后一直提示连接中，换了两个桩都不行。"},
	{"swap", "换电站预约后到站无法换电", "到达{city}换电站后提示电池不足，希望说明原因。"},
	{"repair", "维修进度咨询", "车辆在服务中心维修三天了，想了解进度和预计完工时间。"},
	{"battery", "电池健康度下降较快", "最近一个月续航明显缩短，仪表显示电池健康度{soh}%，是否正常？"},
	{"software", "OTA 升级失败", "昨晚推送的升级包安装到一半失败，车机提示稍后重试。"},
	{"billing", "充电费用重复扣款", "同一次充电被扣了两次费用，请核实退款。"},
	{"complaint", "对交付流程不满意", "交付时间一再推迟，销售沟通不及时。"},
	{"other", "车主权益咨询", "想了解终身免费换电权益是否可以随车转让。"},
}

var complaints = map[string][]string{
	"maintenance": {"常规保养，更换空调滤芯", "到达保养里程，做全车检查", "雨刮异响，顺便做保养"},
	"repair":      {"刹车有异响", "底盘过减速带异响", "前大灯进水起雾", "外后视镜无法折叠", "倒车雷达误报"},
	"warranty":    {"门把手无法弹出", "空调制冷效果差", "车机偶发黑屏"},
	"recall":      {"按召回通知检查高压线束固定卡扣", "按召回通知升级 BMS 软件"},
	"battery":     {"电池健康度低于预期，申请检测", "充电口无法解锁", "快充功率偏低"},
}

// kbArticles is the starting knowledge base the application itself writes
// into an empty database (support.DefaultArticles), so that generated and
// fresh databases answer alike.
var kbArticles = support.DefaultArticles

// kbDrawn is how many articles generated conversations ask about (and whose
// times are drawn at random): the size of the knowledge base before it
// grew, which keeps the random stream, and so all other data, unchanged.
const kbDrawn = 25
