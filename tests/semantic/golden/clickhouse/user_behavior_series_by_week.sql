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
  UNION ALL
  SELECT
    CAST(1 + ROW_NUMBER() OVER (ORDER BY b) AS Nullable(Int32)),
    MIN(day),
    MIN(day),
    MAX(day),
    'current'
  FROM (
    SELECT
      {p1: Nullable(DATE)} + i AS day,
      CAST(dateTrunc('WEEK', CAST({p1: Nullable(DATE)} + i AS Nullable(DateTime))) AS Nullable(DATE)) AS b
    FROM (
      SELECT
        arrayJoin(range(toInt64(0), toInt64({p2: Nullable(DATE)} - {p1: Nullable(DATE)}) + 1)) AS i
    ) AS s
  ) AS u
  GROUP BY
    b
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
    toInt64(COUNT(DISTINCT r.user_id)) AS m_sessions_users,
    toInt64(COUNT(*)) AS m_sessions_sessions
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_sessions_0 AS r
    ON r.minis_day = gd.day
  GROUP BY
    g.grain_id
)
SELECT
  g.grain_id AS grain_id,
  g.grain_day AS grain_day,
  CAST([] AS Array(Nullable(DATE))) AS shown_days,
  CAST(COALESCE(agg_0.m_sessions_users, 0) AS Nullable(Float64)) AS active_users,
  CAST(CAST(COALESCE(agg_0.m_sessions_sessions, 0) AS Nullable(Float64)) / nullIf(COALESCE(agg_0.m_sessions_users, 0), 0) AS Nullable(Float64)) AS avg_launched_sessions
FROM grains AS g
LEFT JOIN agg_0
  ON agg_0.grain_id = g.grain_id
ORDER BY
  g.grain_id;
-- parameters: [datetime.date(2026, 10, 11), datetime.date(2026, 10, 14), datetime.date(2026, 10, 7), datetime.date(2026, 10, 10), 'g1', datetime.date(2026, 10, 7), datetime.date(2026, 10, 14)]
