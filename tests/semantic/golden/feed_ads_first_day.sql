WITH grains AS (
  SELECT
    0 AS grain_id,
    CAST(NULL AS DATE) AS grain_day,
    CAST($1 AS DATE) AS lo,
    CAST($2 AS DATE) AS hi,
    'current' AS period
  UNION ALL
  SELECT
    1,
    CAST(NULL AS DATE),
    CAST($3 AS DATE),
    CAST($4 AS DATE),
    'previous'
), first_rows_sessions AS (
  SELECT DISTINCT ON (t.user_id)
    *,
    CAST(t.started_at AT TIME ZONE 'UTC' AS DATE) AS minis_day
  FROM launches AS t
  WHERE
    t.app_id = CAST($5 AS TEXT) AND t.success
  ORDER BY
    t.user_id,
    t.started_at,
    t.launch_id
), rows_paid_acquisitions_0 AS (
  SELECT
    *,
    EXISTS(
      SELECT
        1
      FROM feed_ad_clicks AS o
      WHERE
        o.app_id = CAST($5 AS TEXT)
        AND o.user_id = t.user_id
        AND o.clicked_at <= t.started_at
        AND o.clicked_at >= t.started_at - INTERVAL '30 DAY'
        AND CAST(o.clicked_at AT TIME ZONE 'UTC' AS DATE) = CAST(t.started_at AT TIME ZONE 'UTC' AS DATE)
    ) AS first_day
  FROM first_rows_sessions AS t
  WHERE
    (
      (
        t.started_at >= CAST(CAST($6 AS DATE) AS TIMESTAMP) AT TIME ZONE 'UTC'
        AND t.started_at < CAST(CAST($7 AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
      )
      AND EXISTS(
        SELECT
          1
        FROM feed_ad_clicks AS o
        WHERE
          o.app_id = CAST($5 AS TEXT)
          AND o.user_id = t.user_id
          AND o.clicked_at <= t.started_at
          AND o.clicked_at >= t.started_at - INTERVAL '30 DAY'
      )
    )
    AND t.region = ANY(
      CAST($8 AS TEXT[])
    )
), grain_days AS (
  SELECT
    g.grain_id,
    g.lo + s.i AS day
  FROM grains AS g
  CROSS JOIN LATERAL GENERATE_SERIES(0, g.hi - g.lo) AS s(i)
), agg_0 AS (
  SELECT
    g.grain_id,
    COUNT(DISTINCT r.user_id) FILTER(WHERE
      r.first_day) AS m_paid_acquisitions_first_day_users
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_paid_acquisitions_0 AS r
    ON r.minis_day = gd.day
  GROUP BY
    g.grain_id
), segment_first_day_activated AS (
  SELECT
    g.grain_id,
    g.lo,
    g.hi,
    s.user_id AS uid,
    MIN(s.minis_day) AS member_day
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_paid_acquisitions_0 AS s
    ON s.minis_day = gd.day AND s.first_day
  GROUP BY
    g.grain_id,
    g.lo,
    g.hi,
    s.user_id
), rows_ad_revenue_events_1 AS (
  SELECT
    *,
    CAST(t.occurred_at AT TIME ZONE 'UTC' AS DATE) AS minis_day
  FROM ad_events AS t
  WHERE
    (
      (
        t.app_id = CAST($5 AS TEXT) AND t.event = 'impression'
      )
      AND t.occurred_at >= CAST(CAST($6 AS DATE) AS TIMESTAMP) AT TIME ZONE 'UTC'
    )
    AND t.occurred_at < CAST(CAST($7 AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
), agg_1 AS (
  SELECT
    m.grain_id,
    SUM(r.revenue_usd) AS m_ad_revenue_events_first_day
  FROM segment_first_day_activated AS m
  JOIN rows_ad_revenue_events_1 AS r
    ON r.user_id = m.uid AND r.minis_day BETWEEN m.lo AND m.hi
  GROUP BY
    m.grain_id
), rows_acquired_orders_2 AS (
  SELECT
    *,
    CAST(t.created_at AT TIME ZONE 'UTC' AS DATE) AS minis_day
  FROM orders AS t
  WHERE
    (
      (
        t.app_id = CAST($5 AS TEXT) AND t.order_type IN ('purchase', 'recharge')
      )
      AND t.created_at >= CAST(CAST($6 AS DATE) AS TIMESTAMP) AT TIME ZONE 'UTC'
    )
    AND t.created_at < CAST(CAST($7 AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
), agg_2 AS (
  SELECT
    m.grain_id,
    SUM(r.beans) AS m_acquired_orders_first_day
  FROM segment_first_day_activated AS m
  JOIN rows_acquired_orders_2 AS r
    ON r.user_id = m.uid AND r.minis_day BETWEEN m.lo AND m.hi
  GROUP BY
    m.grain_id
), rows_feed_ad_spend_3 AS (
  SELECT
    *,
    t.day AS minis_day
  FROM feed_ad_spend AS t
  WHERE
    (
      (
        t.app_id = CAST($5 AS TEXT) AND t.day >= CAST($6 AS DATE)
      )
      AND t.day <= CAST($7 AS DATE)
    )
    AND t.region = ANY(
      CAST($8 AS TEXT[])
    )
), agg_3 AS (
  SELECT
    g.grain_id,
    SUM(r.spend_usd) AS m_feed_ad_spend_spend
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_feed_ad_spend_3 AS r
    ON r.minis_day = gd.day
  GROUP BY
    g.grain_id
), rows_ad_revenue_events_4 AS (
  SELECT
    *,
    CAST(t.occurred_at AT TIME ZONE 'UTC' AS DATE) AS minis_day
  FROM ad_events AS t
  WHERE
    (
      t.app_id = CAST($5 AS TEXT) AND t.event = 'impression'
    )
    AND t.occurred_at < CAST(CAST($9 AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
), agg_4 AS (
  SELECT
    m.grain_id,
    SUM(r.revenue_usd) AS m_ad_revenue_events_first_day_to_reporting_day
  FROM segment_first_day_activated AS m
  JOIN rows_ad_revenue_events_4 AS r
    ON r.user_id = m.uid AND r.minis_day BETWEEN m.member_day AND CAST($9 AS DATE)
  GROUP BY
    m.grain_id
), rows_acquired_orders_5 AS (
  SELECT
    *,
    CAST(t.created_at AT TIME ZONE 'UTC' AS DATE) AS minis_day
  FROM orders AS t
  WHERE
    (
      t.app_id = CAST($5 AS TEXT) AND t.order_type IN ('purchase', 'recharge')
    )
    AND t.created_at < CAST(CAST($9 AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
), agg_5 AS (
  SELECT
    m.grain_id,
    SUM(r.beans) AS m_acquired_orders_first_day_to_reporting_day
  FROM segment_first_day_activated AS m
  JOIN rows_acquired_orders_5 AS r
    ON r.user_id = m.uid AND r.minis_day BETWEEN m.member_day AND CAST($9 AS DATE)
  GROUP BY
    m.grain_id
)
SELECT
  g.grain_id,
  g.grain_day,
  CAST(ARRAY[] AS DATE[]) AS shown_days,
  CAST(COALESCE(agg_0.m_paid_acquisitions_first_day_users, 0) AS DOUBLE PRECISION) AS first_day_activated_users,
  CAST(CAST((
    COALESCE(agg_1.m_ad_revenue_events_first_day, 0) + COALESCE(agg_2.m_acquired_orders_first_day, 0) * 0.01
  ) AS DOUBLE PRECISION) / NULLIF((
    COALESCE(agg_3.m_feed_ad_spend_spend, 0)
  ), 0) AS DOUBLE PRECISION) AS roi,
  CAST(CAST((
    COALESCE(agg_4.m_ad_revenue_events_first_day_to_reporting_day, 0) + COALESCE(agg_5.m_acquired_orders_first_day_to_reporting_day, 0) * 0.01
  ) AS DOUBLE PRECISION) / NULLIF((
    COALESCE(agg_0.m_paid_acquisitions_first_day_users, 0)
  ), 0) AS DOUBLE PRECISION) AS first_day_ltv
FROM grains AS g
LEFT JOIN agg_0
  ON agg_0.grain_id = g.grain_id
LEFT JOIN agg_1
  ON agg_1.grain_id = g.grain_id
LEFT JOIN agg_2
  ON agg_2.grain_id = g.grain_id
LEFT JOIN agg_3
  ON agg_3.grain_id = g.grain_id
LEFT JOIN agg_4
  ON agg_4.grain_id = g.grain_id
LEFT JOIN agg_5
  ON agg_5.grain_id = g.grain_id
ORDER BY
  g.grain_id;
-- parameters: [datetime.date(2026, 10, 11), datetime.date(2026, 10, 14), datetime.date(2026, 10, 7), datetime.date(2026, 10, 10), 'g1', datetime.date(2026, 10, 7), datetime.date(2026, 10, 14), ['US'], datetime.date(2026, 10, 20)]
