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
), rows_sessions_0 AS MATERIALIZED (
  SELECT
    *,
    CAST(toTimeZone(t.started_at, 'UTC') AS Nullable(DATE)) AS minis_day
  FROM launches AS t FINAL
  WHERE
    (
      (
        t.app_id = {p5: Nullable(String)} AND t.success
      )
      AND t.started_at >= toDateTime64({p6: Nullable(DATE)}, 6, 'UTC')
    )
    AND t.started_at < toDateTime64({p7: Nullable(DATE)} + 1, 6, 'UTC')
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
    r.region AS bkey,
    toInt64(COUNT(DISTINCT r.user_id)) AS m_sessions_users
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_sessions_0 AS r
    ON r.minis_day = gd.day
  GROUP BY
    g.grain_id,
    r.region
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
), rows_first_sessions_1 AS MATERIALIZED (
  SELECT
    *
  FROM first_rows_sessions AS t
  WHERE
    t.started_at >= toDateTime64({p6: Nullable(DATE)}, 6, 'UTC')
    AND t.started_at < toDateTime64({p7: Nullable(DATE)} + 1, 6, 'UTC')
), agg_1 AS MATERIALIZED (
  SELECT
    g.grain_id AS grain_id,
    r.region AS bkey,
    toInt64(COUNT(DISTINCT r.user_id)) AS m_first_sessions_users
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_first_sessions_1 AS r
    ON r.minis_day = gd.day
  GROUP BY
    g.grain_id,
    r.region
), keys AS MATERIALIZED (
  SELECT DISTINCT
    bkey
  FROM agg_0
  UNION DISTINCT
  SELECT DISTINCT
    bkey
  FROM agg_1
)
SELECT
  g.grain_id AS grain_id,
  g.grain_day AS grain_day,
  k.bkey AS bkey,
  CAST([] AS Array(Nullable(DATE))) AS shown_days,
  CAST(COALESCE(agg_0.m_sessions_users, 0) AS Nullable(Float64)) AS active_users,
  CAST(COALESCE(agg_1.m_first_sessions_users, 0) AS Nullable(Float64)) AS new_users
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
