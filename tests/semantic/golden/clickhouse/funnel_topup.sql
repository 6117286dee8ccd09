WITH grains AS MATERIALIZED (
  SELECT
    0 AS grain_id,
    CAST(NULL AS Nullable(DATE)) AS grain_day,
    {p1: Nullable(DATE)} AS lo,
    {p2: Nullable(DATE)} AS hi,
    'current' AS period
), rows_funnel_events_0 AS MATERIALIZED (
  SELECT
    *,
    CAST(toTimeZone(t.occurred_at, 'UTC') AS Nullable(DATE)) AS minis_day
  FROM funnel_events AS t FINAL
  WHERE
    (
      t.app_id = {p3: Nullable(String)}
      AND t.occurred_at >= toDateTime64({p4: Nullable(DATE)}, 6, 'UTC')
    )
    AND t.occurred_at < toDateTime64({p5: Nullable(DATE)} + 1, 6, 'UTC')
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
), events AS MATERIALIZED (
  SELECT
    r.step AS step
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_funnel_events_0 AS r
    ON r.minis_day = gd.day
    AND (
      r.step <> 'order' OR r.order_type = {p6: Nullable(String)}
    )
  WHERE
    g.grain_id = 0
)
SELECT
  s.position AS position,
  s.step AS step,
  CAST([] AS Array(Nullable(DATE))) AS shown_days,
  toInt64(COUNT(e.step)) AS pv,
  CAST(toInt64(COUNT(e.step)) AS Nullable(Float64)) / nullIf(lag(toInt64(COUNT(e.step))) OVER (ORDER BY s.position), 0) AS conversion_from_previous,
  CAST(toInt64(COUNT(e.step)) AS Nullable(Float64)) / nullIf(first_value(toInt64(COUNT(e.step))) OVER (ORDER BY s.position), 0) AS conversion_from_first
FROM (
  SELECT
    1 AS position,
    'entrance_exposure' AS step
  UNION ALL
  SELECT
    2,
    'entrance_click'
  UNION ALL
  SELECT
    3,
    'minis_visit'
  UNION ALL
  SELECT
    4,
    'last_free_episode_watch'
  UNION ALL
  SELECT
    5,
    'payment_panel_3p_show'
  UNION ALL
  SELECT
    6,
    'payment_panel_3p_click'
  UNION ALL
  SELECT
    7,
    'payment_panel_tt_show'
  UNION ALL
  SELECT
    8,
    'payment_panel_tt_click'
  UNION ALL
  SELECT
    9,
    'order'
) AS s
LEFT JOIN events AS e
  ON e.step = s.step
GROUP BY
  s.position,
  s.step
ORDER BY
  s.position;
-- parameters: [datetime.date(2026, 10, 11), datetime.date(2026, 10, 14), 'd1', datetime.date(2026, 10, 11), datetime.date(2026, 10, 14), 'topup']
