WITH grains AS (
  SELECT
    0 AS grain_id,
    CAST(NULL AS DATE) AS grain_day,
    CAST($1 AS DATE) AS lo,
    CAST($2 AS DATE) AS hi,
    'current' AS period
), rows_network_calls_0 AS (
  SELECT
    *,
    CAST(t.occurred_at AT TIME ZONE 'UTC' AS DATE) AS minis_day
  FROM network_calls AS t
  WHERE
    (
      (
        t.app_id = CAST($3 AS TEXT)
        AND t.occurred_at >= CAST(CAST($4 AS DATE) AS TIMESTAMP) AT TIME ZONE 'UTC'
      )
      AND t.occurred_at < CAST(CAST($5 AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
    )
    AND t.domain = ANY(
      CAST($6 AS TEXT[])
    )
), grain_days AS (
  SELECT
    g.grain_id,
    g.lo + s.i AS day
  FROM grains AS g
  CROSS JOIN LATERAL GENERATE_SERIES(0, g.hi - g.lo) AS s(i)
)
SELECT
  r.api AS api,
  r.domain AS domain,
  r.error_code AS error_code,
  COUNT(*) AS count,
  COUNT(*) OVER () AS total_rows
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
  count DESC NULLS LAST,
  api,
  domain,
  error_code
LIMIT CAST($7 AS INT)
OFFSET CAST($8 AS INT);
-- parameters: [datetime.date(2026, 10, 11), datetime.date(2026, 10, 14), 'g1', datetime.date(2026, 10, 11), datetime.date(2026, 10, 14), ['api.a.com'], 20, 20]
