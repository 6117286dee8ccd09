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
    2 + i,
    {p1: Nullable(DATE)} + i,
    {p1: Nullable(DATE)} + i,
    {p1: Nullable(DATE)} + i,
    'current'
  FROM (
    SELECT
      arrayJoin(range(toInt64(0), toInt64({p2: Nullable(DATE)} - {p1: Nullable(DATE)}) + 1)) AS i
  ) AS s
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
), cohort AS MATERIALIZED (
  SELECT DISTINCT
    g.grain_id AS grain_id,
    r.minis_day AS d,
    r.user_id AS uid
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_sessions_0 AS r
    ON r.minis_day = gd.day
), rows_sessions_1 AS MATERIALIZED (
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
    AND t.started_at < toDateTime64({p8: Nullable(DATE)} + 1, 6, 'UTC')
), active AS MATERIALIZED (
  SELECT
    a.user_id AS uid,
    a.minis_day AS d,
    TRUE AS unprotected
  FROM rows_sessions_1 AS a
  GROUP BY
    a.user_id,
    a.minis_day
)
SELECT
  g.grain_id AS grain_id,
  g.grain_day AS grain_day,
  CAST([] AS Array(Nullable(DATE))) AS shown_days,
  toInt64(COUNT(c.uid)) AS cohort_size,
  toInt64(COUNT(c.uid) FILTER(WHERE
    c.d + 7 <= {p8: Nullable(DATE)})) AS counted_size,
  CASE
    WHEN g.lo + 7 <= {p8: Nullable(DATE)}
    THEN toInt64(COUNT(a.uid) FILTER(WHERE
      c.d + 7 <= {p8: Nullable(DATE)}))
  END AS retained,
  CAST(CASE
    WHEN g.lo + 7 <= {p8: Nullable(DATE)}
    THEN toInt64(COUNT(a.uid) FILTER(WHERE
      c.d + 7 <= {p8: Nullable(DATE)}))
  END AS Nullable(Float64)) / nullIf(toInt64(COUNT(c.uid) FILTER(WHERE
    c.d + 7 <= {p8: Nullable(DATE)})), 0) AS rate
FROM grains AS g
LEFT JOIN cohort AS c
  ON c.grain_id = g.grain_id
LEFT JOIN active AS a
  ON a.uid = c.uid AND a.d = c.d + 7
GROUP BY
  g.grain_id,
  g.grain_day,
  g.lo
ORDER BY
  g.grain_id;
-- parameters: [datetime.date(2026, 10, 11), datetime.date(2026, 10, 14), datetime.date(2026, 10, 7), datetime.date(2026, 10, 10), 'g1', datetime.date(2026, 10, 7), datetime.date(2026, 10, 14), datetime.date(2026, 10, 20)]
