WITH grains AS (
  SELECT
    0 AS grain_id,
    CAST(NULL AS DATE) AS grain_day,
    CAST($1 AS DATE) AS lo,
    CAST($2 AS DATE) AS hi,
    'current' AS period
), rows_funnel_events_0 AS (
  SELECT
    *,
    CAST(t.occurred_at AT TIME ZONE 'UTC' AS DATE) AS minis_day
  FROM funnel_events AS t
  WHERE
    (
      t.app_id = CAST($3 AS TEXT)
      AND t.occurred_at >= CAST(CAST($4 AS DATE) AS TIMESTAMP) AT TIME ZONE 'UTC'
    )
    AND t.occurred_at < CAST(CAST($5 AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
), grain_days AS (
  SELECT
    g.grain_id,
    g.lo + s.i AS day
  FROM grains AS g
  CROSS JOIN LATERAL GENERATE_SERIES(0, g.hi - g.lo) AS s(i)
), events AS (
  SELECT
    r.step AS step
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_funnel_events_0 AS r
    ON r.minis_day = gd.day
    AND (
      r.step <> 'order' OR r.order_type = CAST($6 AS TEXT)
    )
  WHERE
    g.grain_id = 0
)
SELECT
  s.position,
  s.step,
  CAST(ARRAY[] AS DATE[]) AS shown_days,
  COUNT(e.step) AS pv,
  CAST(COUNT(e.step) AS DOUBLE PRECISION) / NULLIF(LAG(COUNT(e.step)) OVER (ORDER BY s.position), 0) AS conversion_from_previous,
  CAST(COUNT(e.step) AS DOUBLE PRECISION) / NULLIF(FIRST_VALUE(COUNT(e.step)) OVER (ORDER BY s.position), 0) AS conversion_from_first
FROM (VALUES
  (1, 'entrance_exposure'),
  (2, 'entrance_click'),
  (3, 'minis_visit'),
  (4, 'last_free_episode_watch'),
  (5, 'payment_panel_3p_show'),
  (6, 'payment_panel_3p_click'),
  (7, 'payment_panel_tt_show'),
  (8, 'payment_panel_tt_click'),
  (9, 'order')) AS s(position, step)
LEFT JOIN events AS e
  ON e.step = s.step
GROUP BY
  s.position,
  s.step
ORDER BY
  s.position;
-- parameters: [datetime.date(2026, 10, 11), datetime.date(2026, 10, 14), 'd1', datetime.date(2026, 10, 11), datetime.date(2026, 10, 14), 'topup']
