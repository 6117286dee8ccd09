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
), rows_sessions_1 AS (
  SELECT
    *,
    CAST(t.started_at AT TIME ZONE 'UTC' AS DATE) AS minis_day
  FROM launches AS t
  WHERE
    (
      (
        t.app_id = CAST($5 AS TEXT) AND t.success
      )
      AND t.started_at >= CAST(CAST($9 AS DATE) AS TIMESTAMP) AT TIME ZONE 'UTC'
    )
    AND t.started_at < CAST(CAST($9 AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
), grain_days AS (
  SELECT
    g.grain_id,
    g.lo + s.i AS day
  FROM grains AS g
  CROSS JOIN LATERAL GENERATE_SERIES(0, g.hi - g.lo) AS s(i)
), segment_history_activated AS (
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
    ON s.minis_day = gd.day
    AND (
      CAST($8 AS BOOLEAN) OR NOT s.first_day
    )
    AND EXISTS(
      SELECT
        1
      FROM rows_sessions_1 AS a
      WHERE
        a.user_id = s.user_id
    )
  GROUP BY
    g.grain_id,
    g.lo,
    g.hi,
    s.user_id
), rows_paid_acquisitions_2 AS (
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
), agg_0 AS (
  SELECT
    m.grain_id,
    COUNT(DISTINCT r.user_id) AS m_paid_acquisitions_history_users
  FROM segment_history_activated AS m
  JOIN rows_paid_acquisitions_2 AS r
    ON r.user_id = m.uid AND r.minis_day BETWEEN m.lo AND m.hi
  GROUP BY
    m.grain_id
)
SELECT
  g.grain_id,
  g.grain_day,
  CAST(ARRAY[] AS DATE[]) AS shown_days,
  CAST(COALESCE(agg_0.m_paid_acquisitions_history_users, 0) AS DOUBLE PRECISION) AS history_activated_users
FROM grains AS g
LEFT JOIN agg_0
  ON agg_0.grain_id = g.grain_id
ORDER BY
  g.grain_id;
-- parameters: [datetime.date(2026, 10, 11), datetime.date(2026, 10, 14), datetime.date(2026, 10, 7), datetime.date(2026, 10, 10), 'g1', datetime.date(2026, 10, 7), datetime.date(2026, 10, 14), False, datetime.date(2026, 10, 20)]
