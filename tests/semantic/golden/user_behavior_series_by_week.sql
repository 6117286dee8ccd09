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
  UNION ALL
  SELECT
    CAST(1 + ROW_NUMBER() OVER (ORDER BY b) AS INT),
    MIN(day),
    MIN(day),
    MAX(day),
    'current'
  FROM (
    SELECT
      CAST($1 AS DATE) + i AS day,
      CAST(DATE_TRUNC('WEEK', CAST(CAST($1 AS DATE) + i AS TIMESTAMP)) AS DATE) AS b
    FROM GENERATE_SERIES(0, CAST($2 AS DATE) - CAST($1 AS DATE)) AS s(i)
  ) AS u
  GROUP BY
    b
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
), agg_0 AS (
  SELECT
    g.grain_id,
    COUNT(DISTINCT r.user_id) AS m_sessions_users,
    COUNT(*) AS m_sessions_sessions
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
  CAST(COALESCE(agg_0.m_sessions_users, 0) AS DOUBLE PRECISION) AS active_users,
  CAST(CAST(COALESCE(agg_0.m_sessions_sessions, 0) AS DOUBLE PRECISION) / NULLIF(COALESCE(agg_0.m_sessions_users, 0), 0) AS DOUBLE PRECISION) AS avg_launched_sessions
FROM grains AS g
LEFT JOIN agg_0
  ON agg_0.grain_id = g.grain_id
ORDER BY
  g.grain_id;
-- parameters: [datetime.date(2026, 10, 11), datetime.date(2026, 10, 14), datetime.date(2026, 10, 7), datetime.date(2026, 10, 10), 'g1', datetime.date(2026, 10, 7), datetime.date(2026, 10, 14)]
