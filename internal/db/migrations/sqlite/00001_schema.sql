-- +goose Up
-- NEV CRM schema, SQLite dialect. Keep in step with ../postgres/00001_schema.sql
-- and with docs/数据字典.md (a test compares them). Money in integer fen, times in UTC.

-- 网点: stores, service centers, charging and battery-swap stations.
CREATE TABLE sites (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    code              TEXT NOT NULL UNIQUE,
    kind              TEXT NOT NULL CHECK (kind IN ('store', 'service_center', 'charging_station', 'swap_station')),
    name              TEXT NOT NULL,
    province          TEXT NOT NULL,
    city              TEXT NOT NULL,
    district          TEXT NOT NULL DEFAULT '',
    address           TEXT NOT NULL DEFAULT '',
    latitude          REAL NOT NULL DEFAULT 0,
    longitude         REAL NOT NULL DEFAULT 0,
    phone             TEXT NOT NULL DEFAULT '',
    open_minute       INTEGER NOT NULL DEFAULT 480 CHECK (open_minute >= 0 AND open_minute < 1440),
    close_minute      INTEGER NOT NULL DEFAULT 1200 CHECK (close_minute > open_minute AND close_minute <= 1440),
    slot_minutes      INTEGER NOT NULL DEFAULT 60 CHECK (slot_minutes IN (15, 30, 60, 120)),
    bays              INTEGER NOT NULL DEFAULT 0 CHECK (bays >= 0),
    charger_count     INTEGER NOT NULL DEFAULT 0 CHECK (charger_count >= 0),
    battery_total     INTEGER NOT NULL DEFAULT 0 CHECK (battery_total >= 0),
    charged_batteries INTEGER NOT NULL DEFAULT 0 CHECK (charged_batteries >= 0 AND charged_batteries <= battery_total),
    parent_id         INTEGER REFERENCES sites (id),
    status            TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    opened_on         DATE,
    created_at        DATETIME NOT NULL
);
CREATE INDEX sites_kind_city ON sites (kind, city);

-- 车型
CREATE TABLE vehicle_models (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    code          TEXT NOT NULL UNIQUE,
    brand         TEXT NOT NULL,
    name          TEXT NOT NULL,
    body_type     TEXT NOT NULL DEFAULT 'suv' CHECK (body_type IN ('sedan', 'suv', 'mpv', 'hatchback')),
    powertrain    TEXT NOT NULL CHECK (powertrain IN ('BEV', 'PHEV', 'EREV')),
    battery_kwh   REAL NOT NULL CHECK (battery_kwh > 0),
    range_km      INTEGER NOT NULL CHECK (range_km > 0),
    price_fen     INTEGER NOT NULL CHECK (price_fen > 0),
    seats         INTEGER NOT NULL DEFAULT 5,
    swap_capable  BOOLEAN NOT NULL DEFAULT 0,
    launched_on   DATE,
    active        BOOLEAN NOT NULL DEFAULT 1
);

-- 客户: prospects and owners, with preferences and buying-journey stage.
CREATE TABLE customers (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    name                 TEXT NOT NULL,
    mobile               TEXT NOT NULL UNIQUE,
    gender               TEXT NOT NULL DEFAULT 'U' CHECK (gender IN ('M', 'F', 'U')),
    birth_year           INTEGER,
    province             TEXT NOT NULL DEFAULT '',
    city                 TEXT NOT NULL DEFAULT '',
    kind                 TEXT NOT NULL DEFAULT 'prospect' CHECK (kind IN ('prospect', 'owner')),
    stage                TEXT NOT NULL DEFAULT 'lead' CHECK (stage IN ('lead', 'interested', 'test_drive', 'negotiation', 'ordered', 'delivered', 'lost')),
    source               TEXT NOT NULL DEFAULT 'walk_in',
    store_id             INTEGER REFERENCES sites (id),
    sales_user_id        INTEGER REFERENCES users (id),
    budget_fen           INTEGER CHECK (budget_fen IS NULL OR budget_fen >= 0),
    preferred_model_id   INTEGER REFERENCES vehicle_models (id),
    preferred_powertrain TEXT CHECK (preferred_powertrain IS NULL OR preferred_powertrain IN ('BEV', 'PHEV', 'EREV')),
    interests            TEXT NOT NULL DEFAULT '',
    preferred_contact    TEXT NOT NULL DEFAULT 'phone' CHECK (preferred_contact IN ('phone', 'sms', 'wechat', 'email')),
    consent_marketing    BOOLEAN NOT NULL DEFAULT 0,
    consent_at           DATETIME,
    notes                TEXT NOT NULL DEFAULT '',
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL,
    erased_at            DATETIME
);
CREATE INDEX customers_city_created ON customers (city, created_at);
CREATE INDEX customers_store_stage ON customers (store_id, stage);
CREATE INDEX customers_sales_user ON customers (sales_user_id);
CREATE INDEX customers_created ON customers (created_at);

-- 账号: every person who logs in. Owners link to a customer, staff to a site.
CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    username       TEXT UNIQUE,
    mobile         TEXT UNIQUE,
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('owner', 'sales', 'service', 'admin')),
    password_hash  TEXT NOT NULL,
    customer_id    INTEGER UNIQUE REFERENCES customers (id),
    site_id        INTEGER REFERENCES sites (id),
    active         BOOLEAN NOT NULL DEFAULT 1,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL,
    last_login_at  DATETIME,
    CHECK (username IS NOT NULL OR mobile IS NOT NULL)
);
CREATE INDEX users_site_role ON users (site_id, role);

-- 会话: server-side sessions; the cookie holds a random token, the table its SHA-256.
CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    DATETIME NOT NULL,
    expires_at    DATETIME NOT NULL,
    last_seen_at  DATETIME NOT NULL,
    ip            TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- 登录失败计数: throttles repeated failed logins per login name and per client address.
CREATE TABLE login_failures (
    login_key        TEXT PRIMARY KEY,
    failures         INTEGER NOT NULL,
    first_failed_at  DATETIME NOT NULL,
    locked_until     DATETIME
);

-- 车辆
CREATE TABLE vehicles (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    vin                   TEXT NOT NULL UNIQUE CHECK (length(vin) = 17),
    plate                 TEXT UNIQUE,
    customer_id           INTEGER NOT NULL REFERENCES customers (id),
    model_id              INTEGER NOT NULL REFERENCES vehicle_models (id),
    store_id              INTEGER REFERENCES sites (id),
    color                 TEXT NOT NULL DEFAULT '',
    purchased_on          DATE NOT NULL,
    delivered_at          DATETIME,
    mileage_km            INTEGER NOT NULL DEFAULT 0 CHECK (mileage_km >= 0),
    battery_soh           REAL NOT NULL DEFAULT 100 CHECK (battery_soh > 0 AND battery_soh <= 100),
    fast_charge_share     REAL NOT NULL DEFAULT 0 CHECK (fast_charge_share >= 0 AND fast_charge_share <= 1),
    software_version      TEXT NOT NULL DEFAULT '',
    warranty_end          DATE NOT NULL,
    battery_warranty_end  DATE NOT NULL,
    created_at            DATETIME NOT NULL,
    updated_at            DATETIME NOT NULL
);
CREATE INDEX vehicles_customer ON vehicles (customer_id);
CREATE INDEX vehicles_model ON vehicles (model_id);

-- 充电记录
CREATE TABLE charging_sessions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    vehicle_id    INTEGER NOT NULL REFERENCES vehicles (id),
    customer_id   INTEGER NOT NULL REFERENCES customers (id),
    site_id       INTEGER REFERENCES sites (id),
    location_kind TEXT NOT NULL DEFAULT 'station' CHECK (location_kind IN ('station', 'home', 'public')),
    fast          BOOLEAN NOT NULL DEFAULT 0,
    started_at    DATETIME NOT NULL,
    ended_at      DATETIME NOT NULL,
    energy_kwh    REAL NOT NULL CHECK (energy_kwh > 0),
    start_soc     INTEGER NOT NULL CHECK (start_soc >= 0 AND start_soc <= 100),
    end_soc       INTEGER NOT NULL CHECK (end_soc >= 0 AND end_soc <= 100),
    cost_fen      INTEGER NOT NULL DEFAULT 0 CHECK (cost_fen >= 0),
    CHECK (ended_at >= started_at)
);
CREATE INDEX charging_sessions_vehicle ON charging_sessions (vehicle_id, started_at);
CREATE INDEX charging_sessions_site ON charging_sessions (site_id, started_at);
CREATE INDEX charging_sessions_customer ON charging_sessions (customer_id);

-- 预约: charging, battery swap, repair and test drive bookings.
CREATE TABLE appointments (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id         INTEGER NOT NULL REFERENCES customers (id),
    vehicle_id          INTEGER REFERENCES vehicles (id),
    site_id             INTEGER NOT NULL REFERENCES sites (id),
    service_kind        TEXT NOT NULL CHECK (service_kind IN ('charging', 'swap', 'repair', 'test_drive')),
    slot_date           DATE NOT NULL,
    slot_minute         INTEGER NOT NULL CHECK (slot_minute >= 0 AND slot_minute < 1440),
    scheduled_at        DATETIME NOT NULL,
    status              TEXT NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'confirmed', 'in_progress', 'completed', 'cancelled', 'no_show')),
    note                TEXT NOT NULL DEFAULT '',
    technician_user_id  INTEGER REFERENCES users (id),
    bay                 TEXT NOT NULL DEFAULT '',
    result              TEXT NOT NULL DEFAULT '',
    cancel_reason       TEXT NOT NULL DEFAULT '',
    reschedule_count    INTEGER NOT NULL DEFAULT 0,
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL,
    confirmed_at        DATETIME,
    started_at          DATETIME,
    completed_at        DATETIME,
    cancelled_at        DATETIME
);
CREATE INDEX appointments_site_day ON appointments (site_id, slot_date, slot_minute);
CREATE INDEX appointments_customer ON appointments (customer_id, scheduled_at);
CREATE INDEX appointments_scheduled ON appointments (scheduled_at, status);
CREATE INDEX appointments_vehicle ON appointments (vehicle_id);
-- A vehicle holds at most one open appointment per slot, and one per kind of service.
CREATE UNIQUE INDEX appointments_vehicle_slot_open ON appointments (vehicle_id, slot_date, slot_minute)
    WHERE status IN ('booked', 'confirmed', 'in_progress');
CREATE UNIQUE INDEX appointments_vehicle_kind_open ON appointments (vehicle_id, service_kind)
    WHERE status IN ('booked', 'confirmed', 'in_progress');

-- 预约容量: places per slot per kind of service at a site.
CREATE TABLE site_capacity (
    site_id          INTEGER NOT NULL REFERENCES sites (id),
    service_kind     TEXT NOT NULL CHECK (service_kind IN ('charging', 'swap', 'repair', 'test_drive')),
    places_per_slot  INTEGER NOT NULL CHECK (places_per_slot >= 0),
    PRIMARY KEY (site_id, service_kind)
);

-- 时段占用: booked places per slot; updated in the booking transaction so capacity is never oversold.
CREATE TABLE slot_usage (
    site_id       INTEGER NOT NULL REFERENCES sites (id),
    service_kind  TEXT NOT NULL CHECK (service_kind IN ('charging', 'swap', 'repair', 'test_drive')),
    slot_date     DATE NOT NULL,
    slot_minute   INTEGER NOT NULL,
    booked        INTEGER NOT NULL DEFAULT 0 CHECK (booked >= 0),
    PRIMARY KEY (site_id, service_kind, slot_date, slot_minute)
);

-- 换电日占用: batteries promised by a swap station per day (bounded by its charged batteries).
CREATE TABLE swap_day_usage (
    site_id    INTEGER NOT NULL REFERENCES sites (id),
    slot_date  DATE NOT NULL,
    booked     INTEGER NOT NULL DEFAULT 0 CHECK (booked >= 0),
    PRIMARY KEY (site_id, slot_date)
);

-- 换电记录
CREATE TABLE battery_swaps (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    vehicle_id      INTEGER NOT NULL REFERENCES vehicles (id),
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    site_id         INTEGER NOT NULL REFERENCES sites (id),
    appointment_id  INTEGER REFERENCES appointments (id),
    swapped_at      DATETIME NOT NULL,
    battery_out_sn  TEXT NOT NULL,
    battery_in_sn   TEXT NOT NULL,
    soc_out         INTEGER NOT NULL CHECK (soc_out >= 0 AND soc_out <= 100),
    soc_in          INTEGER NOT NULL CHECK (soc_in >= 0 AND soc_in <= 100),
    duration_sec    INTEGER NOT NULL CHECK (duration_sec > 0),
    cost_fen        INTEGER NOT NULL DEFAULT 0 CHECK (cost_fen >= 0)
);
CREATE INDEX battery_swaps_vehicle ON battery_swaps (vehicle_id, swapped_at);
CREATE INDEX battery_swaps_site ON battery_swaps (site_id, swapped_at);
CREATE INDEX battery_swaps_customer ON battery_swaps (customer_id);

-- 营销活动
CREATE TABLE campaigns (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('test_drive_event', 'discount', 'referral', 'online', 'charging_promo', 'owner_event')),
    channel       TEXT NOT NULL DEFAULT 'offline',
    store_id      INTEGER REFERENCES sites (id),
    city          TEXT NOT NULL DEFAULT '',
    description   TEXT NOT NULL DEFAULT '',
    starts_at     DATETIME NOT NULL,
    ends_at       DATETIME NOT NULL,
    budget_fen    INTEGER NOT NULL DEFAULT 0 CHECK (budget_fen >= 0),
    cost_fen      INTEGER NOT NULL DEFAULT 0 CHECK (cost_fen >= 0),
    capacity      INTEGER NOT NULL DEFAULT 0 CHECK (capacity >= 0),
    status        TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'ended', 'cancelled')),
    created_by    INTEGER REFERENCES users (id),
    created_at    DATETIME NOT NULL,
    CHECK (ends_at >= starts_at)
);
CREATE INDEX campaigns_status_starts ON campaigns (status, starts_at);

-- 活动参与
CREATE TABLE campaign_participations (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id   INTEGER NOT NULL REFERENCES campaigns (id),
    customer_id   INTEGER NOT NULL REFERENCES customers (id),
    status        TEXT NOT NULL DEFAULT 'registered' CHECK (status IN ('registered', 'attended', 'converted', 'cancelled')),
    joined_at     DATETIME NOT NULL,
    attended_at   DATETIME,
    converted_at  DATETIME,
    UNIQUE (campaign_id, customer_id)
);
CREATE INDEX campaign_participations_customer ON campaign_participations (customer_id);

-- 线索
CREATE TABLE leads (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id             INTEGER NOT NULL REFERENCES customers (id),
    store_id                INTEGER REFERENCES sites (id),
    sales_user_id           INTEGER REFERENCES users (id),
    campaign_id             INTEGER REFERENCES campaigns (id),
    source                  TEXT NOT NULL CHECK (source IN ('website', 'app', 'walk_in', 'referral', 'event', 'call_center', 'social_media', 'auto_show', 'partner')),
    status                  TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'contacted', 'qualified', 'converted', 'lost')),
    interested_model_id     INTEGER REFERENCES vehicle_models (id),
    budget_fen              INTEGER CHECK (budget_fen IS NULL OR budget_fen >= 0),
    test_drive              BOOLEAN NOT NULL DEFAULT 0,
    store_visits            INTEGER NOT NULL DEFAULT 0 CHECK (store_visits >= 0),
    first_response_minutes  INTEGER CHECK (first_response_minutes IS NULL OR first_response_minutes >= 0),
    score                   INTEGER CHECK (score IS NULL OR (score >= 0 AND score <= 100)),
    score_reason            TEXT NOT NULL DEFAULT '',
    lost_reason             TEXT NOT NULL DEFAULT '',
    created_at              DATETIME NOT NULL,
    updated_at              DATETIME NOT NULL,
    converted_at            DATETIME
);
CREATE INDEX leads_store_status ON leads (store_id, status, created_at);
CREATE INDEX leads_sales_user ON leads (sales_user_id, status);
CREATE INDEX leads_customer ON leads (customer_id);

-- 商机
CREATE TABLE opportunities (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    lead_id            INTEGER REFERENCES leads (id),
    customer_id        INTEGER NOT NULL REFERENCES customers (id),
    store_id           INTEGER REFERENCES sites (id),
    sales_user_id      INTEGER REFERENCES users (id),
    model_id           INTEGER REFERENCES vehicle_models (id),
    stage              TEXT NOT NULL DEFAULT 'intent' CHECK (stage IN ('intent', 'test_drive', 'quote', 'order', 'delivered', 'lost')),
    amount_fen         INTEGER NOT NULL DEFAULT 0 CHECK (amount_fen >= 0),
    probability        INTEGER NOT NULL DEFAULT 10 CHECK (probability >= 0 AND probability <= 100),
    expected_close_on  DATE,
    lost_reason        TEXT NOT NULL DEFAULT '',
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL,
    closed_at          DATETIME
);
CREATE INDEX opportunities_store_stage ON opportunities (store_id, stage);
CREATE INDEX opportunities_sales_user ON opportunities (sales_user_id, stage);
CREATE INDEX opportunities_customer ON opportunities (customer_id);

-- 试驾
CREATE TABLE test_drives (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    lead_id         INTEGER REFERENCES leads (id),
    store_id        INTEGER NOT NULL REFERENCES sites (id),
    model_id        INTEGER NOT NULL REFERENCES vehicle_models (id),
    sales_user_id   INTEGER REFERENCES users (id),
    scheduled_at    DATETIME NOT NULL,
    status          TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'done', 'cancelled', 'no_show')),
    feedback        TEXT NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL
);
CREATE INDEX test_drives_store ON test_drives (store_id, scheduled_at);
CREATE INDEX test_drives_customer ON test_drives (customer_id);

-- 整车订单: from order to delivery.
CREATE TABLE vehicle_orders (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    code            TEXT NOT NULL UNIQUE,
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    opportunity_id  INTEGER REFERENCES opportunities (id),
    store_id        INTEGER NOT NULL REFERENCES sites (id),
    sales_user_id   INTEGER REFERENCES users (id),
    model_id        INTEGER NOT NULL REFERENCES vehicle_models (id),
    vehicle_id      INTEGER REFERENCES vehicles (id),
    price_fen       INTEGER NOT NULL CHECK (price_fen > 0),
    discount_fen    INTEGER NOT NULL DEFAULT 0 CHECK (discount_fen >= 0),
    deposit_fen     INTEGER NOT NULL DEFAULT 0 CHECK (deposit_fen >= 0),
    status          TEXT NOT NULL DEFAULT 'ordered' CHECK (status IN ('ordered', 'delivered', 'cancelled')),
    ordered_at      DATETIME NOT NULL,
    delivered_at    DATETIME,
    CHECK (delivered_at IS NULL OR delivered_at >= ordered_at)
);
CREATE INDEX vehicle_orders_store_ordered ON vehicle_orders (store_id, ordered_at);
CREATE INDEX vehicle_orders_customer ON vehicle_orders (customer_id);

-- 跟进记录
CREATE TABLE follow_ups (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    lead_id         INTEGER REFERENCES leads (id),
    opportunity_id  INTEGER REFERENCES opportunities (id),
    user_id         INTEGER REFERENCES users (id),
    channel         TEXT NOT NULL CHECK (channel IN ('phone', 'sms', 'wechat', 'visit', 'email')),
    content         TEXT NOT NULL,
    next_action     TEXT NOT NULL DEFAULT '',
    next_at         DATETIME,
    created_at      DATETIME NOT NULL
);
CREATE INDEX follow_ups_customer ON follow_ups (customer_id, created_at);
CREATE INDEX follow_ups_lead ON follow_ups (lead_id);
CREATE INDEX follow_ups_opportunity ON follow_ups (opportunity_id);

-- 备件
CREATE TABLE parts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    sku            TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    category       TEXT NOT NULL,
    unit           TEXT NOT NULL DEFAULT '件',
    price_fen      INTEGER NOT NULL CHECK (price_fen >= 0),
    cost_fen       INTEGER NOT NULL CHECK (cost_fen >= 0),
    reorder_level  INTEGER NOT NULL DEFAULT 5 CHECK (reorder_level >= 0),
    active         BOOLEAN NOT NULL DEFAULT 1
);

-- 库存: quantity of a part at a site; never negative.
CREATE TABLE part_stock (
    site_id        INTEGER NOT NULL REFERENCES sites (id),
    part_id        INTEGER NOT NULL REFERENCES parts (id),
    quantity       INTEGER NOT NULL DEFAULT 0 CHECK (quantity >= 0),
    reorder_level  INTEGER NOT NULL DEFAULT 5 CHECK (reorder_level >= 0),
    updated_at     DATETIME NOT NULL,
    PRIMARY KEY (site_id, part_id)
);

-- 工单
CREATE TABLE work_orders (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    code                TEXT NOT NULL UNIQUE,
    appointment_id      INTEGER REFERENCES appointments (id),
    site_id             INTEGER NOT NULL REFERENCES sites (id),
    vehicle_id          INTEGER NOT NULL REFERENCES vehicles (id),
    customer_id         INTEGER NOT NULL REFERENCES customers (id),
    technician_user_id  INTEGER REFERENCES users (id),
    kind                TEXT NOT NULL DEFAULT 'repair' CHECK (kind IN ('maintenance', 'repair', 'warranty', 'recall', 'battery')),
    status              TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'waiting_parts', 'completed', 'closed', 'cancelled')),
    complaint           TEXT NOT NULL DEFAULT '',
    diagnosis           TEXT NOT NULL DEFAULT '',
    mileage_km          INTEGER NOT NULL DEFAULT 0 CHECK (mileage_km >= 0),
    labour_fen          INTEGER NOT NULL DEFAULT 0 CHECK (labour_fen >= 0),
    parts_fen           INTEGER NOT NULL DEFAULT 0 CHECK (parts_fen >= 0),
    total_fen           INTEGER NOT NULL DEFAULT 0 CHECK (total_fen >= 0),
    opened_at           DATETIME NOT NULL,
    completed_at        DATETIME,
    closed_at           DATETIME
);
CREATE INDEX work_orders_site_status ON work_orders (site_id, status, opened_at);
CREATE INDEX work_orders_vehicle ON work_orders (vehicle_id);
CREATE INDEX work_orders_appointment ON work_orders (appointment_id);
CREATE INDEX work_orders_customer ON work_orders (customer_id);

-- 工单工时
CREATE TABLE work_order_labour (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    work_order_id       INTEGER NOT NULL REFERENCES work_orders (id) ON DELETE CASCADE,
    description         TEXT NOT NULL,
    minutes             INTEGER NOT NULL CHECK (minutes > 0),
    rate_fen            INTEGER NOT NULL CHECK (rate_fen >= 0),
    amount_fen          INTEGER NOT NULL CHECK (amount_fen >= 0),
    technician_user_id  INTEGER REFERENCES users (id)
);
CREATE INDEX work_order_labour_order ON work_order_labour (work_order_id);

-- 工单用料
CREATE TABLE work_order_parts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    work_order_id   INTEGER NOT NULL REFERENCES work_orders (id) ON DELETE CASCADE,
    part_id         INTEGER NOT NULL REFERENCES parts (id),
    quantity        INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_fen  INTEGER NOT NULL CHECK (unit_price_fen >= 0),
    amount_fen      INTEGER NOT NULL CHECK (amount_fen >= 0)
);
CREATE INDEX work_order_parts_order ON work_order_parts (work_order_id);
CREATE INDEX work_order_parts_part ON work_order_parts (part_id);

-- 库存流水: every change of part_stock, signed quantity, balance after the change.
CREATE TABLE stock_movements (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id         INTEGER NOT NULL REFERENCES sites (id),
    part_id         INTEGER NOT NULL REFERENCES parts (id),
    kind            TEXT NOT NULL CHECK (kind IN ('in', 'out', 'adjust', 'transfer_in', 'transfer_out')),
    quantity        INTEGER NOT NULL CHECK (quantity <> 0),
    balance_after   INTEGER NOT NULL CHECK (balance_after >= 0),
    work_order_id   INTEGER REFERENCES work_orders (id),
    reference       TEXT NOT NULL DEFAULT '',
    user_id         INTEGER REFERENCES users (id),
    created_at      DATETIME NOT NULL
);
CREATE INDEX stock_movements_site_part ON stock_movements (site_id, part_id, created_at);
CREATE INDEX stock_movements_work_order ON stock_movements (work_order_id);

-- 车友圈帖子 (Markdown body, rendered and sanitised on display)
CREATE TABLE posts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id    INTEGER NOT NULL REFERENCES customers (id),
    topic          TEXT NOT NULL DEFAULT '',
    title          TEXT NOT NULL,
    body           TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'hidden')),
    like_count     INTEGER NOT NULL DEFAULT 0 CHECK (like_count >= 0),
    comment_count  INTEGER NOT NULL DEFAULT 0 CHECK (comment_count >= 0),
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL
);
CREATE INDEX posts_status_created ON posts (status, created_at);
CREATE INDEX posts_customer ON posts (customer_id);

-- 评论
CREATE TABLE comments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id      INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    body         TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'hidden')),
    created_at   DATETIME NOT NULL
);
CREATE INDEX comments_post ON comments (post_id, created_at);
CREATE INDEX comments_customer ON comments (customer_id);

-- 点赞
CREATE TABLE post_likes (
    post_id      INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    created_at   DATETIME NOT NULL,
    PRIMARY KEY (post_id, customer_id)
);
CREATE INDEX post_likes_customer ON post_likes (customer_id);

-- 资讯
CREATE TABLE news (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    title           TEXT NOT NULL,
    summary         TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL,
    category        TEXT NOT NULL DEFAULT 'company',
    author_user_id  INTEGER REFERENCES users (id),
    status          TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('draft', 'published')),
    published_at    DATETIME NOT NULL
);
CREATE INDEX news_published ON news (status, published_at);

-- 公告
CREATE TABLE announcements (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    level           TEXT NOT NULL DEFAULT 'info' CHECK (level IN ('info', 'important')),
    author_user_id  INTEGER REFERENCES users (id),
    published_at    DATETIME NOT NULL,
    expires_at      DATETIME
);
CREATE INDEX announcements_published ON announcements (published_at);

-- 知识库
CREATE TABLE kb_articles (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    category    TEXT NOT NULL,
    question    TEXT NOT NULL,
    answer      TEXT NOT NULL,
    keywords    TEXT NOT NULL DEFAULT '',
    active      BOOLEAN NOT NULL DEFAULT 1,
    updated_at  DATETIME NOT NULL
);

-- 工单(客服): support tickets, including hand-offs from the assistant.
CREATE TABLE support_tickets (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id       INTEGER NOT NULL REFERENCES customers (id),
    vehicle_id        INTEGER REFERENCES vehicles (id),
    category          TEXT NOT NULL DEFAULT 'other' CHECK (category IN ('charging', 'swap', 'repair', 'battery', 'software', 'billing', 'complaint', 'other')),
    subject           TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    priority          TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    status            TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'assigned', 'pending', 'resolved', 'closed')),
    assignee_user_id  INTEGER REFERENCES users (id),
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL,
    resolved_at       DATETIME
);
CREATE INDEX support_tickets_status ON support_tickets (status, created_at);
CREATE INDEX support_tickets_customer ON support_tickets (customer_id);

-- 智能客服会话
CREATE TABLE assistant_conversations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    status       TEXT NOT NULL DEFAULT 'bot' CHECK (status IN ('bot', 'handed_off', 'closed')),
    ticket_id    INTEGER REFERENCES support_tickets (id),
    started_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);
CREATE INDEX assistant_conversations_customer ON assistant_conversations (customer_id, started_at);

-- 智能客服消息
CREATE TABLE assistant_messages (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id  INTEGER NOT NULL REFERENCES assistant_conversations (id) ON DELETE CASCADE,
    sender           TEXT NOT NULL CHECK (sender IN ('customer', 'bot', 'agent')),
    body             TEXT NOT NULL,
    kb_article_id    INTEGER REFERENCES kb_articles (id),
    confidence       REAL,
    created_at       DATETIME NOT NULL
);
CREATE INDEX assistant_messages_conversation ON assistant_messages (conversation_id, created_at);

-- 评价与反馈
CREATE TABLE feedback (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    appointment_id  INTEGER REFERENCES appointments (id),
    work_order_id   INTEGER REFERENCES work_orders (id),
    ticket_id       INTEGER REFERENCES support_tickets (id),
    rating          INTEGER NOT NULL CHECK (rating >= 1 AND rating <= 5),
    comment         TEXT NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL
);
CREATE INDEX feedback_customer ON feedback (customer_id);
CREATE INDEX feedback_work_order ON feedback (work_order_id);

-- 审计日志
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER REFERENCES users (id),
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   INTEGER,
    detail      TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_created ON audit_log (created_at);
CREATE INDEX audit_log_user ON audit_log (user_id, action);

-- 系统元数据: key/value facts about this database (e.g. whether a data generation run finished).
CREATE TABLE system_meta (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  DATETIME NOT NULL
);
