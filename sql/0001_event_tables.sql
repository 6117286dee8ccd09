-- The event contract of events.md: every table, column and meaning, with constraints that
-- reject rows that cannot happen and indexes for "one app, a range of days".

CREATE TABLE apps (
    app_id      text PRIMARY KEY CHECK (app_id <> ''),
    kind        text NOT NULL CHECK (kind IN ('game', 'drama')),
    name        text NOT NULL CHECK (name <> ''),
    status      text NOT NULL CHECK (status IN ('launched', 'unreleased')),
    launched_on date,
    owner_id    text NOT NULL CHECK (owner_id <> ''),
    CONSTRAINT apps_launched_has_day CHECK (status = 'unreleased' OR launched_on IS NOT NULL)
);
CREATE INDEX apps_owner_idx ON apps (owner_id);

CREATE TABLE launches (
    launch_id      text PRIMARY KEY,
    app_id         text NOT NULL,
    user_id        text NOT NULL,
    started_at     timestamptz NOT NULL,
    success        boolean NOT NULL,
    launch_ms      integer CHECK (launch_ms >= 0),
    duration_ms    bigint NOT NULL CHECK (duration_ms >= 0),
    os             text NOT NULL CHECK (os IN ('ios', 'android')),
    region         text NOT NULL CHECK (region ~ '^[A-Z]{2}$'),
    gender         text NOT NULL CHECK (gender IN ('male', 'female', 'unknown')),
    age_band       text NOT NULL
        CHECK (age_band IN ('13-17', '18-24', '25-34', '35-44', '45-54', '55+', 'unknown')),
    device_brand   text NOT NULL,
    device_model   text NOT NULL,
    tiktok_version text NOT NULL,
    entry_source   text NOT NULL CHECK (entry_source IN (
        'for_you_feed', 'search', 'profile', 'share_link', 'inbox', 'live', 'favorites', 'other')),
    CONSTRAINT launches_success_has_launch_ms CHECK ((launch_ms IS NOT NULL) = success),
    CONSTRAINT launches_failure_has_no_duration CHECK (success OR duration_ms = 0)
);
CREATE INDEX launches_app_time_idx ON launches (app_id, started_at);
CREATE INDEX launches_app_user_time_idx ON launches (app_id, user_id, started_at) WHERE success;

CREATE TABLE orders (
    order_id     text PRIMARY KEY,
    app_id       text NOT NULL,
    user_id      text NOT NULL,
    created_at   timestamptz NOT NULL,
    os           text NOT NULL CHECK (os IN ('ios', 'android')),
    region       text NOT NULL CHECK (region ~ '^[A-Z]{2}$'),
    order_type   text NOT NULL CHECK (order_type IN ('purchase', 'recharge', 'redeem')),
    product_id   text NOT NULL,
    product_name text NOT NULL,
    beans        integer NOT NULL CHECK (beans > 0)
);
CREATE INDEX orders_app_time_idx ON orders (app_id, created_at);
CREATE INDEX orders_app_user_idx ON orders (app_id, user_id);

CREATE TABLE ad_events (
    event_id       text PRIMARY KEY,
    app_id         text NOT NULL,
    user_id        text NOT NULL,
    occurred_at    timestamptz NOT NULL,
    os             text NOT NULL CHECK (os IN ('ios', 'android')),
    region         text NOT NULL CHECK (region ~ '^[A-Z]{2}$'),
    placement_id   text NOT NULL,
    placement_type text NOT NULL CHECK (placement_type IN ('rewarded_video', 'interstitial', 'banner')),
    event          text NOT NULL
        CHECK (event IN ('request', 'load_failure', 'impression', 'display_failure', 'click')),
    revenue_usd    numeric(12, 6) NOT NULL DEFAULT 0 CHECK (revenue_usd >= 0),
    error_code     text,
    CONSTRAINT ad_events_revenue_on_impressions CHECK (event = 'impression' OR revenue_usd = 0),
    CONSTRAINT ad_events_error_code_on_failures
        CHECK ((event IN ('load_failure', 'display_failure')) = (error_code IS NOT NULL))
);
CREATE INDEX ad_events_app_time_idx ON ad_events (app_id, occurred_at);
CREATE INDEX ad_events_app_user_idx ON ad_events (app_id, user_id);

CREATE TABLE runtime_reports (
    report_id   text PRIMARY KEY,
    app_id      text NOT NULL,
    user_id     text NOT NULL,
    launch_id   text NOT NULL,
    reported_at timestamptz NOT NULL,
    os          text NOT NULL CHECK (os IN ('ios', 'android')),
    region      text NOT NULL CHECK (region ~ '^[A-Z]{2}$'),
    fps         real NOT NULL CHECK (fps >= 0),
    sampled_ms  integer NOT NULL CHECK (sampled_ms > 0),
    stutter_ms  integer NOT NULL CHECK (stutter_ms >= 0 AND stutter_ms <= sampled_ms)
);
CREATE INDEX runtime_reports_app_time_idx ON runtime_reports (app_id, reported_at);

CREATE TABLE network_calls (
    call_id     text PRIMARY KEY,
    app_id      text NOT NULL,
    user_id     text NOT NULL,
    occurred_at timestamptz NOT NULL,
    os          text NOT NULL CHECK (os IN ('ios', 'android')),
    region      text NOT NULL CHECK (region ~ '^[A-Z]{2}$'),
    api         text NOT NULL CHECK (api IN ('request', 'download_file')),
    domain      text NOT NULL CHECK (domain <> ''),
    latency_ms  integer NOT NULL CHECK (latency_ms >= 0),
    ok          boolean NOT NULL,
    error_code  text,
    CONSTRAINT network_calls_error_code_on_failures CHECK (ok = (error_code IS NULL))
);
CREATE INDEX network_calls_app_time_idx ON network_calls (app_id, occurred_at);

CREATE TABLE feed_ad_spend (
    app_id      text NOT NULL,
    day         date NOT NULL,
    campaign_id text NOT NULL,
    region      text NOT NULL CHECK (region ~ '^[A-Z]{2}$'),
    spend_usd   numeric(12, 2) NOT NULL CHECK (spend_usd >= 0),
    impressions bigint NOT NULL CHECK (impressions >= 0),
    PRIMARY KEY (app_id, day, campaign_id, region)
);

CREATE TABLE feed_ad_clicks (
    click_id    text PRIMARY KEY,
    app_id      text NOT NULL,
    user_id     text NOT NULL,
    clicked_at  timestamptz NOT NULL,
    campaign_id text NOT NULL,
    os          text NOT NULL CHECK (os IN ('ios', 'android')),
    region      text NOT NULL CHECK (region ~ '^[A-Z]{2}$')
);
CREATE INDEX feed_ad_clicks_app_user_idx ON feed_ad_clicks (app_id, user_id, clicked_at);

CREATE TABLE feed_card_events (
    event_id    text PRIMARY KEY,
    app_id      text NOT NULL,
    user_id     text NOT NULL,
    occurred_at timestamptz NOT NULL,
    os          text NOT NULL CHECK (os IN ('ios', 'android')),
    region      text NOT NULL CHECK (region ~ '^[A-Z]{2}$'),
    event       text NOT NULL CHECK (event IN ('impression', 'click'))
);
CREATE INDEX feed_card_events_app_time_idx ON feed_card_events (app_id, occurred_at);

CREATE TABLE funnel_events (
    event_id    text PRIMARY KEY,
    app_id      text NOT NULL,
    user_id     text NOT NULL,
    occurred_at timestamptz NOT NULL,
    os          text NOT NULL CHECK (os IN ('ios', 'android')),
    region      text NOT NULL CHECK (region ~ '^[A-Z]{2}$'),
    step        text NOT NULL CHECK (step IN (
        'entrance_exposure', 'entrance_click', 'minis_visit', 'last_free_episode_watch',
        'payment_panel_3p_show', 'payment_panel_3p_click', 'payment_panel_tt_show',
        'payment_panel_tt_click', 'order')),
    order_type  text CHECK (order_type IN ('consumption', 'topup')),
    CONSTRAINT funnel_events_order_type_on_orders CHECK ((step = 'order') = (order_type IS NOT NULL))
);
CREATE INDEX funnel_events_app_time_idx ON funnel_events (app_id, occurred_at);
