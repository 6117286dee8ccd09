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
), rows_sessions_0 AS (
  SELECT
    *,
    CAST(t.started_at AT TIME ZONE 'UTC' AS DATE) AS minis_day
  FROM launches AS t
  WHERE
    (
      (
        t.app_id = CAST($5 AS TEXT) AND t.success
      )
      AND t.started_at >= CAST(CAST($6 AS DATE) AS TIMESTAMP) AT TIME ZONE 'UTC'
    )
    AND t.started_at < CAST(CAST($7 AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
), grain_days AS (
  SELECT
    g.grain_id,
    g.lo + s.i AS day
  FROM grains AS g
  CROSS JOIN LATERAL GENERATE_SERIES(0, g.hi - g.lo) AS s(i)
), per_user_0 AS (
  SELECT
    g.grain_id,
    r.user_id AS uid,
    SUM(r.duration_ms) AS v
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_sessions_0 AS r
    ON r.minis_day = gd.day
  GROUP BY
    g.grain_id,
    r.user_id
), agg_0 AS (
  SELECT
    per_user_0.grain_id,
    PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY
      v) AS m_sessions_median_duration_per_user
  FROM per_user_0
  GROUP BY
    per_user_0.grain_id
), agg_1 AS (
  SELECT
    g.grain_id,
    PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY
      r.duration_ms) AS m_sessions_median_duration_per_session
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_sessions_0 AS r
    ON r.minis_day = gd.day
  GROUP BY
    g.grain_id
)
SELECT
  g.grain_id,
  g.grain_day,
  CAST(ARRAY[] AS DATE[]) AS shown_days,
  CAST(agg_0.m_sessions_median_duration_per_user AS DOUBLE PRECISION) AS median_duration_per_user,
  CAST(agg_1.m_sessions_median_duration_per_session AS DOUBLE PRECISION) AS median_duration_per_session
FROM grains AS g
LEFT JOIN agg_0
  ON agg_0.grain_id = g.grain_id
LEFT JOIN agg_1
  ON agg_1.grain_id = g.grain_id
ORDER BY
  g.grain_id;
-- parameters: [datetime.date(2026, 10, 11), datetime.date(2026, 10, 14), datetime.date(2026, 10, 7), datetime.date(2026, 10, 10), 'd1', datetime.date(2026, 10, 7), datetime.date(2026, 10, 14)]
