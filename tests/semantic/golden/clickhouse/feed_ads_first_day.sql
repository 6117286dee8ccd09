WITH grains AS MATERIALIZED (
  SELECT
    0 AS grain_id,
    CAST(NULL AS Nullable(DATE)) AS grain_day,
    {p1: Nullable(DATE)} AS lo,
    {p2: Nullable(DATE)} AS hi,
    'current' AS period
  UNION ALL
  SELECT
    1,
    CAST(NULL AS Nullable(DATE)),
    {p3: Nullable(DATE)},
    {p4: Nullable(DATE)},
    'previous'
), first_rows_sessions AS MATERIALIZED (
  SELECT
    *,
    CAST(toTimeZone(t.started_at, 'UTC') AS Nullable(DATE)) AS minis_day
  FROM launches AS t FINAL
  WHERE
    t.app_id = {p5: Nullable(String)} AND t.success
  ORDER BY
    t.user_id,
    t.started_at,
    t.launch_id
  LIMIT 1 BY t.user_id
), rows_paid_acquisitions_0 AS MATERIALIZED (
  SELECT
    *,
    EXISTS(
      SELECT
        1
      FROM feed_ad_clicks AS o FINAL
      WHERE
        o.app_id = {p5: Nullable(String)}
        AND o.user_id = t.user_id
        AND o.clicked_at <= t.started_at
        AND o.clicked_at >= t.started_at - INTERVAL '30' DAY
        AND CAST(toTimeZone(o.clicked_at, 'UTC') AS Nullable(DATE)) = CAST(toTimeZone(t.started_at, 'UTC') AS Nullable(DATE))
    ) AS first_day
  FROM first_rows_sessions AS t
  WHERE
    (
      (
        t.started_at >= toDateTime64({p6: Nullable(DATE)}, 6, 'UTC')
        AND t.started_at < toDateTime64({p7: Nullable(DATE)} + 1, 6, 'UTC')
      )
      AND EXISTS(
        SELECT
          1
        FROM feed_ad_clicks AS o FINAL
        WHERE
          o.app_id = {p5: Nullable(String)}
          AND o.user_id = t.user_id
          AND o.clicked_at <= t.started_at
          AND o.clicked_at >= t.started_at - INTERVAL '30' DAY
      )
    )
    AND has({p8: Array(Nullable(String))}, t.region)
), grain_days AS MATERIALIZED (
  SELECT
    g.grain_id AS grain_id,
    g.lo + s__i AS day
  FROM (
    SELECT
      *,
      s__i
    FROM grains AS g
    ARRAY JOIN range(toInt64(0), toInt64(g.hi - g.lo) + 1) AS s__i
  ) AS g
), agg_0 AS MATERIALIZED (
  SELECT
    g.grain_id AS grain_id,
    toInt64(COUNT(DISTINCT r.user_id) FILTER(WHERE
      r.first_day)) AS m_paid_acquisitions_first_day_users
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_paid_acquisitions_0 AS r
    ON r.minis_day = gd.day
  GROUP BY
    g.grain_id
), segment_first_day_activated AS MATERIALIZED (
  SELECT
    g.grain_id AS grain_id,
    g.lo AS lo,
    g.hi AS hi,
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
), rows_ad_revenue_events_1 AS MATERIALIZED (
  SELECT
    *,
    CAST(toTimeZone(t.occurred_at, 'UTC') AS Nullable(DATE)) AS minis_day
  FROM ad_events AS t FINAL
  WHERE
    (
      (
        t.app_id = {p5: Nullable(String)} AND t.event = 'impression'
      )
      AND t.occurred_at >= toDateTime64({p6: Nullable(DATE)}, 6, 'UTC')
    )
    AND t.occurred_at < toDateTime64({p7: Nullable(DATE)} + 1, 6, 'UTC')
), agg_1 AS MATERIALIZED (
  SELECT
    m.grain_id AS grain_id,
    SUM(r.revenue_usd) AS m_ad_revenue_events_first_day
  FROM segment_first_day_activated AS m
  JOIN rows_ad_revenue_events_1 AS r
    ON r.user_id = m.uid AND r.minis_day BETWEEN m.lo AND m.hi
  GROUP BY
    m.grain_id
), rows_acquired_orders_2 AS MATERIALIZED (
  SELECT
    *,
    CAST(toTimeZone(t.created_at, 'UTC') AS Nullable(DATE)) AS minis_day
  FROM orders AS t FINAL
  WHERE
    (
      (
        t.app_id = {p5: Nullable(String)} AND t.order_type IN ('purchase', 'recharge')
      )
      AND t.created_at >= toDateTime64({p6: Nullable(DATE)}, 6, 'UTC')
    )
    AND t.created_at < toDateTime64({p7: Nullable(DATE)} + 1, 6, 'UTC')
), agg_2 AS MATERIALIZED (
  SELECT
    m.grain_id AS grain_id,
    SUM(r.beans) AS m_acquired_orders_first_day
  FROM segment_first_day_activated AS m
  JOIN rows_acquired_orders_2 AS r
    ON r.user_id = m.uid AND r.minis_day BETWEEN m.lo AND m.hi
  GROUP BY
    m.grain_id
), rows_feed_ad_spend_3 AS MATERIALIZED (
  SELECT
    *,
    t.day AS minis_day
  FROM feed_ad_spend AS t FINAL
  WHERE
    (
      (
        t.app_id = {p5: Nullable(String)} AND t.day >= {p6: Nullable(DATE)}
      )
      AND t.day <= {p7: Nullable(DATE)}
    )
    AND has({p8: Array(Nullable(String))}, t.region)
), agg_3 AS MATERIALIZED (
  SELECT
    g.grain_id AS grain_id,
    SUM(r.spend_usd) AS m_feed_ad_spend_spend
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_feed_ad_spend_3 AS r
    ON r.minis_day = gd.day
  GROUP BY
    g.grain_id
), rows_ad_revenue_events_4 AS MATERIALIZED (
  SELECT
    *,
    CAST(toTimeZone(t.occurred_at, 'UTC') AS Nullable(DATE)) AS minis_day
  FROM ad_events AS t FINAL
  WHERE
    (
      t.app_id = {p5: Nullable(String)} AND t.event = 'impression'
    )
    AND t.occurred_at < toDateTime64({p9: Nullable(DATE)} + 1, 6, 'UTC')
), agg_4 AS MATERIALIZED (
  SELECT
    m.grain_id AS grain_id,
    SUM(r.revenue_usd) AS m_ad_revenue_events_first_day_to_reporting_day
  FROM segment_first_day_activated AS m
  JOIN rows_ad_revenue_events_4 AS r
    ON r.user_id = m.uid AND r.minis_day BETWEEN m.member_day AND {p9: Nullable(DATE)}
  GROUP BY
    m.grain_id
), rows_acquired_orders_5 AS MATERIALIZED (
  SELECT
    *,
    CAST(toTimeZone(t.created_at, 'UTC') AS Nullable(DATE)) AS minis_day
  FROM orders AS t FINAL
  WHERE
    (
      t.app_id = {p5: Nullable(String)} AND t.order_type IN ('purchase', 'recharge')
    )
    AND t.created_at < toDateTime64({p9: Nullable(DATE)} + 1, 6, 'UTC')
), agg_5 AS MATERIALIZED (
  SELECT
    m.grain_id AS grain_id,
    SUM(r.beans) AS m_acquired_orders_first_day_to_reporting_day
  FROM segment_first_day_activated AS m
  JOIN rows_acquired_orders_5 AS r
    ON r.user_id = m.uid AND r.minis_day BETWEEN m.member_day AND {p9: Nullable(DATE)}
  GROUP BY
    m.grain_id
)
SELECT
  g.grain_id AS grain_id,
  g.grain_day AS grain_day,
  CAST([] AS Array(Nullable(DATE))) AS shown_days,
  CAST(COALESCE(agg_0.m_paid_acquisitions_first_day_users, 0) AS Nullable(Float64)) AS first_day_activated_users,
  CAST(CAST((
    COALESCE(agg_1.m_ad_revenue_events_first_day, 0) + COALESCE(agg_2.m_acquired_orders_first_day, 0) * 0.01
  ) AS Nullable(Float64)) / nullIf((
    COALESCE(agg_3.m_feed_ad_spend_spend, 0)
  ), 0) AS Nullable(Float64)) AS roi,
  CAST(CAST((
    COALESCE(agg_4.m_ad_revenue_events_first_day_to_reporting_day, 0) + COALESCE(agg_5.m_acquired_orders_first_day_to_reporting_day, 0) * 0.01
  ) AS Nullable(Float64)) / nullIf((
    COALESCE(agg_0.m_paid_acquisitions_first_day_users, 0)
  ), 0) AS Nullable(Float64)) AS first_day_ltv
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
