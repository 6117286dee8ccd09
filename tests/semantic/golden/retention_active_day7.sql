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
    2 + i,
    CAST($1 AS DATE) + i,
    CAST($1 AS DATE) + i,
    CAST($1 AS DATE) + i,
    'current'
  FROM GENERATE_SERIES(0, CAST($2 AS DATE) - CAST($1 AS DATE)) AS s(i)
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
), cohort AS (
  SELECT DISTINCT
    g.grain_id,
    r.minis_day AS d,
    r.user_id AS uid
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_sessions_0 AS r
    ON r.minis_day = gd.day
), rows_sessions_1 AS (
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
    AND t.started_at < CAST(CAST($8 AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
), active AS (
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
  g.grain_id,
  g.grain_day,
  CAST(ARRAY[] AS DATE[]) AS shown_days,
  COUNT(c.uid) AS cohort_size,
  COUNT(c.uid) FILTER(WHERE
    c.d + 7 <= CAST($8 AS DATE)) AS counted_size,
  CASE
    WHEN g.lo + 7 <= CAST($8 AS DATE)
    THEN COUNT(a.uid) FILTER(WHERE
      c.d + 7 <= CAST($8 AS DATE))
  END AS retained,
  CAST(CASE
    WHEN g.lo + 7 <= CAST($8 AS DATE)
    THEN COUNT(a.uid) FILTER(WHERE
      c.d + 7 <= CAST($8 AS DATE))
  END AS DOUBLE PRECISION) / NULLIF(COUNT(c.uid) FILTER(WHERE
    c.d + 7 <= CAST($8 AS DATE)), 0) AS rate
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
