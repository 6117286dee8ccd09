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
), agg_0 AS (
  SELECT
    g.grain_id,
    r.region AS bkey,
    COUNT(DISTINCT r.user_id) AS m_sessions_users
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_sessions_0 AS r
    ON r.minis_day = gd.day
  GROUP BY
    g.grain_id,
    r.region
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
), rows_first_sessions_1 AS (
  SELECT
    *
  FROM first_rows_sessions AS t
  WHERE
    t.started_at >= CAST(CAST($6 AS DATE) AS TIMESTAMP) AT TIME ZONE 'UTC'
    AND t.started_at < CAST(CAST($7 AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
), agg_1 AS (
  SELECT
    g.grain_id,
    r.region AS bkey,
    COUNT(DISTINCT r.user_id) AS m_first_sessions_users
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_first_sessions_1 AS r
    ON r.minis_day = gd.day
  GROUP BY
    g.grain_id,
    r.region
), keys AS (
  SELECT DISTINCT
    bkey
  FROM agg_0
  UNION
  SELECT DISTINCT
    bkey
  FROM agg_1
)
SELECT
  g.grain_id,
  g.grain_day,
  k.bkey AS bkey,
  CAST(ARRAY[] AS DATE[]) AS shown_days,
  CAST(COALESCE(agg_0.m_sessions_users, 0) AS DOUBLE PRECISION) AS active_users,
  CAST(COALESCE(agg_1.m_first_sessions_users, 0) AS DOUBLE PRECISION) AS new_users
FROM grains AS g
CROSS JOIN keys AS k
LEFT JOIN agg_0
  ON agg_0.grain_id = g.grain_id AND agg_0.bkey IS NOT DISTINCT FROM k.bkey
LEFT JOIN agg_1
  ON agg_1.grain_id = g.grain_id AND agg_1.bkey IS NOT DISTINCT FROM k.bkey
ORDER BY
  g.grain_id,
  k.bkey;
-- parameters: [datetime.date(2026, 10, 11), datetime.date(2026, 10, 14), datetime.date(2026, 10, 7), datetime.date(2026, 10, 10), 'g1', datetime.date(2026, 10, 7), datetime.date(2026, 10, 14)]
