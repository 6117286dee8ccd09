-- The event tables of sql/0001_event_tables.sql for ClickHouse: the same tables, columns and
-- meanings (events.md), the same CHECK constraints where ClickHouse can say them.
--
-- Layout: each table is ordered for "one app, a range of days": ORDER BY (app_id, the UTC
-- day, the row's key), and partitioned by the day's month (apps: ORDER BY app_id, one
-- partition).
--
-- Re-sent rows: PostgreSQL skips a row whose primary key is already stored (ON CONFLICT DO
-- NOTHING). Here every table is a ReplacingMergeTree on its ORDER BY key, which holds the
-- primary key: rows sharing a key are one row once merged, and a query reading the table
-- with FINAL sees one row for each key before merges have run. The compiler reads the event
-- tables with FINAL. (The day is part of the key, so the copies of a row always share a
-- partition, where FINAL and merges find them.) Two differences from PostgreSQL, neither of
-- which a faithful re-send meets: of rows sharing a key that differ elsewhere, the last
-- inserted is kept (PostgreSQL keeps the first), and two rows with one id but another app or
-- day are two rows.
--
-- Types: text String (LowCardinality(String) for region and for the closed vocabularies
-- that PostgreSQL checks with IN), timestamptz DateTime64(6, 'UTC'), boolean Bool, integer
-- Int32, bigint Int64, real Float32, numeric(p, s) Decimal(p, s), date Date, and Nullable
-- exactly where the PostgreSQL column is nullable. PostgreSQL's unnamed column checks are
-- named as PostgreSQL names them (table_column_check). A nullable column's check says what
-- PostgreSQL means by it (NULL passes) with IS NULL OR, since a ClickHouse check that
-- gives NULL is violated. ClickHouse checks each inserted row; a violation refuses the
-- whole insert. The statements can run again (IF NOT EXISTS): ClickHouse's DDL is not
-- transactional, so a file that failed part way is applied again from its start.

CREATE TABLE IF NOT EXISTS apps (
    app_id      String,
    kind        LowCardinality(String),
    name        String,
    status      LowCardinality(String),
    launched_on Nullable(Date),
    owner_id    String,
    CONSTRAINT apps_app_id_check CHECK app_id != '',
    CONSTRAINT apps_kind_check CHECK kind IN ('game', 'drama'),
    CONSTRAINT apps_name_check CHECK name != '',
    CONSTRAINT apps_status_check CHECK status IN ('launched', 'unreleased'),
    CONSTRAINT apps_owner_id_check CHECK owner_id != '',
    CONSTRAINT apps_launched_has_day CHECK status = 'unreleased' OR launched_on IS NOT NULL
)
ENGINE = ReplacingMergeTree
ORDER BY app_id;

CREATE TABLE IF NOT EXISTS launches (
    launch_id      String,
    app_id         String,
    user_id        String,
    started_at     DateTime64(6, 'UTC'),
    success        Bool,
    launch_ms      Nullable(Int32),
    duration_ms    Int64,
    os             LowCardinality(String),
    region         LowCardinality(String),
    gender         LowCardinality(String),
    age_band       LowCardinality(String),
    device_brand   String,
    device_model   String,
    tiktok_version String,
    entry_source   LowCardinality(String),
    CONSTRAINT launches_launch_ms_check CHECK launch_ms IS NULL OR launch_ms >= 0,
    CONSTRAINT launches_duration_ms_check CHECK duration_ms >= 0,
    CONSTRAINT launches_os_check CHECK os IN ('ios', 'android'),
    CONSTRAINT launches_region_check CHECK match(region, '^[A-Z]{2}$'),
    CONSTRAINT launches_gender_check CHECK gender IN ('male', 'female', 'unknown'),
    CONSTRAINT launches_age_band_check
        CHECK age_band IN ('13-17', '18-24', '25-34', '35-44', '45-54', '55+', 'unknown'),
    CONSTRAINT launches_entry_source_check CHECK entry_source IN (
        'for_you_feed', 'search', 'profile', 'share_link', 'inbox', 'live', 'favorites', 'other'),
    CONSTRAINT launches_success_has_launch_ms CHECK (launch_ms IS NOT NULL) = success,
    CONSTRAINT launches_failure_has_no_duration CHECK success OR duration_ms = 0
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(toDate(started_at))
ORDER BY (app_id, toDate(started_at), launch_id);

CREATE TABLE IF NOT EXISTS orders (
    order_id     String,
    app_id       String,
    user_id      String,
    created_at   DateTime64(6, 'UTC'),
    os           LowCardinality(String),
    region       LowCardinality(String),
    order_type   LowCardinality(String),
    product_id   String,
    product_name String,
    beans        Int32,
    CONSTRAINT orders_os_check CHECK os IN ('ios', 'android'),
    CONSTRAINT orders_region_check CHECK match(region, '^[A-Z]{2}$'),
    CONSTRAINT orders_order_type_check CHECK order_type IN ('purchase', 'recharge', 'redeem'),
    CONSTRAINT orders_beans_check CHECK beans > 0
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(toDate(created_at))
ORDER BY (app_id, toDate(created_at), order_id);

CREATE TABLE IF NOT EXISTS ad_events (
    event_id       String,
    app_id         String,
    user_id        String,
    occurred_at    DateTime64(6, 'UTC'),
    os             LowCardinality(String),
    region         LowCardinality(String),
    placement_id   String,
    placement_type LowCardinality(String),
    event          LowCardinality(String),
    revenue_usd    Decimal(12, 6) DEFAULT 0,
    error_code     Nullable(String),
    CONSTRAINT ad_events_os_check CHECK os IN ('ios', 'android'),
    CONSTRAINT ad_events_region_check CHECK match(region, '^[A-Z]{2}$'),
    CONSTRAINT ad_events_placement_type_check
        CHECK placement_type IN ('rewarded_video', 'interstitial', 'banner'),
    CONSTRAINT ad_events_event_check
        CHECK event IN ('request', 'load_failure', 'impression', 'display_failure', 'click'),
    CONSTRAINT ad_events_revenue_usd_check CHECK revenue_usd >= 0,
    CONSTRAINT ad_events_revenue_on_impressions CHECK event = 'impression' OR revenue_usd = 0,
    CONSTRAINT ad_events_error_code_on_failures
        CHECK (event IN ('load_failure', 'display_failure')) = (error_code IS NOT NULL)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(toDate(occurred_at))
ORDER BY (app_id, toDate(occurred_at), event_id);

CREATE TABLE IF NOT EXISTS runtime_reports (
    report_id   String,
    app_id      String,
    user_id     String,
    launch_id   String,
    reported_at DateTime64(6, 'UTC'),
    os          LowCardinality(String),
    region      LowCardinality(String),
    fps         Float32,
    sampled_ms  Int32,
    stutter_ms  Int32,
    CONSTRAINT runtime_reports_os_check CHECK os IN ('ios', 'android'),
    CONSTRAINT runtime_reports_region_check CHECK match(region, '^[A-Z]{2}$'),
    CONSTRAINT runtime_reports_fps_check CHECK fps >= 0,
    CONSTRAINT runtime_reports_sampled_ms_check CHECK sampled_ms > 0,
    CONSTRAINT runtime_reports_stutter_ms_check CHECK stutter_ms >= 0 AND stutter_ms <= sampled_ms
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(toDate(reported_at))
ORDER BY (app_id, toDate(reported_at), report_id);

CREATE TABLE IF NOT EXISTS network_calls (
    call_id     String,
    app_id      String,
    user_id     String,
    occurred_at DateTime64(6, 'UTC'),
    os          LowCardinality(String),
    region      LowCardinality(String),
    api         LowCardinality(String),
    domain      String,
    latency_ms  Int32,
    ok          Bool,
    error_code  Nullable(String),
    CONSTRAINT network_calls_os_check CHECK os IN ('ios', 'android'),
    CONSTRAINT network_calls_region_check CHECK match(region, '^[A-Z]{2}$'),
    CONSTRAINT network_calls_api_check CHECK api IN ('request', 'download_file'),
    CONSTRAINT network_calls_domain_check CHECK domain != '',
    CONSTRAINT network_calls_latency_ms_check CHECK latency_ms >= 0,
    CONSTRAINT network_calls_error_code_on_failures CHECK ok = (error_code IS NULL)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(toDate(occurred_at))
ORDER BY (app_id, toDate(occurred_at), call_id);

CREATE TABLE IF NOT EXISTS feed_ad_spend (
    app_id      String,
    day         Date,
    campaign_id String,
    region      LowCardinality(String),
    spend_usd   Decimal(12, 2),
    impressions Int64,
    CONSTRAINT feed_ad_spend_region_check CHECK match(region, '^[A-Z]{2}$'),
    CONSTRAINT feed_ad_spend_spend_usd_check CHECK spend_usd >= 0,
    CONSTRAINT feed_ad_spend_impressions_check CHECK impressions >= 0
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (app_id, day, campaign_id, region);

CREATE TABLE IF NOT EXISTS feed_ad_clicks (
    click_id    String,
    app_id      String,
    user_id     String,
    clicked_at  DateTime64(6, 'UTC'),
    campaign_id String,
    os          LowCardinality(String),
    region      LowCardinality(String),
    CONSTRAINT feed_ad_clicks_os_check CHECK os IN ('ios', 'android'),
    CONSTRAINT feed_ad_clicks_region_check CHECK match(region, '^[A-Z]{2}$')
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(toDate(clicked_at))
ORDER BY (app_id, toDate(clicked_at), click_id);

CREATE TABLE IF NOT EXISTS feed_card_events (
    event_id    String,
    app_id      String,
    user_id     String,
    occurred_at DateTime64(6, 'UTC'),
    os          LowCardinality(String),
    region      LowCardinality(String),
    event       LowCardinality(String),
    CONSTRAINT feed_card_events_os_check CHECK os IN ('ios', 'android'),
    CONSTRAINT feed_card_events_region_check CHECK match(region, '^[A-Z]{2}$'),
    CONSTRAINT feed_card_events_event_check CHECK event IN ('impression', 'click')
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(toDate(occurred_at))
ORDER BY (app_id, toDate(occurred_at), event_id);

CREATE TABLE IF NOT EXISTS funnel_events (
    event_id    String,
    app_id      String,
    user_id     String,
    occurred_at DateTime64(6, 'UTC'),
    os          LowCardinality(String),
    region      LowCardinality(String),
    step        LowCardinality(String),
    order_type  LowCardinality(Nullable(String)),
    CONSTRAINT funnel_events_os_check CHECK os IN ('ios', 'android'),
    CONSTRAINT funnel_events_region_check CHECK match(region, '^[A-Z]{2}$'),
    CONSTRAINT funnel_events_step_check CHECK step IN (
        'entrance_exposure', 'entrance_click', 'minis_visit', 'last_free_episode_watch',
        'payment_panel_3p_show', 'payment_panel_3p_click', 'payment_panel_tt_show',
        'payment_panel_tt_click', 'order'),
    CONSTRAINT funnel_events_order_type_check
        CHECK order_type IS NULL OR order_type IN ('consumption', 'topup'),
    CONSTRAINT funnel_events_order_type_on_orders CHECK (step = 'order') = (order_type IS NOT NULL)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(toDate(occurred_at))
ORDER BY (app_id, toDate(occurred_at), event_id);
