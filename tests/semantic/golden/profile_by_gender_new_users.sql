WITH grains AS (
  SELECT
    0 AS grain_id,
    CAST(NULL AS DATE) AS grain_day,
    CAST($1 AS DATE) AS lo,
    CAST($2 AS DATE) AS hi,
    'current' AS period
), rows_sessions_0 AS (
  SELECT
    *,
    CAST(t.started_at AT TIME ZONE 'UTC' AS DATE) AS minis_day
  FROM launches AS t
  WHERE
    (
      (
        t.app_id = CAST($3 AS TEXT) AND t.success
      )
      AND t.started_at >= CAST(CAST($4 AS DATE) AS TIMESTAMP) AT TIME ZONE 'UTC'
    )
    AND t.started_at < CAST(CAST($5 AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
), grain_days AS (
  SELECT
    g.grain_id,
    g.lo + s.i AS day
  FROM grains AS g
  CROSS JOIN LATERAL GENERATE_SERIES(0, g.hi - g.lo) AS s(i)
), first_rows_sessions AS (
  SELECT DISTINCT ON (t.user_id)
    *,
    CAST(t.started_at AT TIME ZONE 'UTC' AS DATE) AS minis_day
  FROM launches AS t
  WHERE
    t.app_id = CAST($3 AS TEXT) AND t.success
  ORDER BY
    t.user_id,
    t.started_at,
    t.launch_id
), firsts_sessions_filtered AS (
  SELECT
    f.user_id AS user_id,
    f.minis_day AS first_day,
    f.region AS region
  FROM first_rows_sessions AS f
), latest AS (
  SELECT DISTINCT ON (r.user_id)
    r.user_id AS uid,
    r.gender AS bkey
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_sessions_0 AS r
    ON r.minis_day = gd.day
  JOIN firsts_sessions_filtered AS uf_sessions
    ON uf_sessions.user_id = r.user_id AND uf_sessions.first_day BETWEEN g.lo AND g.hi
  WHERE
    g.grain_id = 0
  ORDER BY
    r.user_id,
    r.started_at DESC NULLS LAST,
    r.launch_id DESC NULLS LAST
)
SELECT
  bkey,
  COUNT(*) AS users,
  CAST(COUNT(*) AS DOUBLE PRECISION) / NULLIF(SUM(COUNT(*)) OVER (), 0) AS share
FROM latest
GROUP BY
  bkey
ORDER BY
  users DESC NULLS LAST,
  bkey;
-- parameters: [datetime.date(2026, 10, 11), datetime.date(2026, 10, 14), 'g1', datetime.date(2026, 10, 11), datetime.date(2026, 10, 14)]
