WITH grains AS MATERIALIZED (
  SELECT
    0 AS grain_id,
    CAST(NULL AS Nullable(DATE)) AS grain_day,
    {p1: Nullable(DATE)} AS lo,
    {p2: Nullable(DATE)} AS hi,
    'current' AS period
), rows_network_calls_0 AS MATERIALIZED (
  SELECT
    *,
    CAST(toTimeZone(t.occurred_at, 'UTC') AS Nullable(DATE)) AS minis_day
  FROM network_calls AS t FINAL
  WHERE
    (
      (
        t.app_id = {p3: Nullable(String)}
        AND t.occurred_at >= toDateTime64({p4: Nullable(DATE)}, 6, 'UTC')
      )
      AND t.occurred_at < toDateTime64({p5: Nullable(DATE)} + 1, 6, 'UTC')
    )
    AND has({p6: Array(Nullable(String))}, t.domain)
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
)
SELECT
  r.api AS api,
  r.domain AS domain,
  r.error_code AS error_code,
  toInt64(COUNT(*)) AS count,
  toInt64(COUNT(*) OVER ()) AS total_rows
FROM grains AS g
JOIN grain_days AS gd
  ON gd.grain_id = g.grain_id
JOIN rows_network_calls_0 AS r
  ON r.minis_day = gd.day AND NOT r.ok
WHERE
  g.grain_id = 0
GROUP BY
  r.api,
  r.domain,
  r.error_code
ORDER BY
  count DESC,
  api,
  domain,
  error_code
LIMIT {p7: Nullable(Int32)}
OFFSET {p8: Nullable(Int32)};
-- parameters: [datetime.date(2026, 10, 11), datetime.date(2026, 10, 14), 'g1', datetime.date(2026, 10, 11), datetime.date(2026, 10, 14), ['api.a.com'], 20, 20]
