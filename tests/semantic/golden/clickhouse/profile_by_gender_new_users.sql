WITH grains AS MATERIALIZED (
  SELECT
    0 AS grain_id,
    CAST(NULL AS Nullable(DATE)) AS grain_day,
    {p1: Nullable(DATE)} AS lo,
    {p2: Nullable(DATE)} AS hi,
    'current' AS period
), rows_sessions_0 AS MATERIALIZED (
  SELECT
    *,
    CAST(toTimeZone(t.started_at, 'UTC') AS Nullable(DATE)) AS minis_day
  FROM launches AS t FINAL
  WHERE
    (
      (
        t.app_id = {p3: Nullable(String)} AND t.success
      )
      AND t.started_at >= toDateTime64({p4: Nullable(DATE)}, 6, 'UTC')
    )
    AND t.started_at < toDateTime64({p5: Nullable(DATE)} + 1, 6, 'UTC')
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
), first_rows_sessions AS MATERIALIZED (
  SELECT
    *,
    CAST(toTimeZone(t.started_at, 'UTC') AS Nullable(DATE)) AS minis_day
  FROM launches AS t FINAL
  WHERE
    t.app_id = {p3: Nullable(String)} AND t.success
  ORDER BY
    t.user_id,
    t.started_at,
    t.launch_id
  LIMIT 1 BY t.user_id
), firsts_sessions_filtered AS MATERIALIZED (
  SELECT
    f.user_id AS user_id,
    f.minis_day AS first_day,
    f.region AS region
  FROM first_rows_sessions AS f
), latest AS MATERIALIZED (
  SELECT
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
    r.started_at DESC,
    r.launch_id DESC
  LIMIT 1 BY r.user_id
)
SELECT
  bkey,
  toInt64(COUNT(*)) AS users,
  CAST(toInt64(COUNT(*)) AS Nullable(Float64)) / nullIf(SUM(toInt64(COUNT(*))) OVER (), 0) AS share
FROM latest
GROUP BY
  bkey
ORDER BY
  users DESC,
  bkey;
-- parameters: [datetime.date(2026, 10, 11), datetime.date(2026, 10, 14), 'g1', datetime.date(2026, 10, 11), datetime.date(2026, 10, 14)]
