WITH rows_sessions_0 AS (
  SELECT
    *,
    CAST(t.started_at AT TIME ZONE 'UTC' AS DATE) AS minis_day
  FROM launches AS t
  WHERE
    (
      (
        t.app_id = CAST($4 AS TEXT) AND t.success
      )
      AND t.started_at >= CAST(CAST($5 AS DATE) AS TIMESTAMP) AT TIME ZONE 'UTC'
    )
    AND t.started_at < CAST(CAST($6 AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
), excluded_current AS (
  SELECT
    ARRAY(SELECT
      p
    FROM UNNEST(CAST($2 AS TEXT[])) AS u(p)
    WHERE
      (
        SELECT
          COUNT(DISTINCT r.user_id)
        FROM rows_sessions_0 AS r
        WHERE
          r.region = p
          AND r.minis_day BETWEEN CAST($7 AS DATE) AND CAST($8 AS DATE)
          AND r.os = CAST($1 AS TEXT)
      ) < CAST($3 AS INT)) AS excluded
), grains AS (
  SELECT
    0 AS grain_id,
    CAST(NULL AS DATE) AS grain_day,
    CAST($7 AS DATE) AS lo,
    CAST($8 AS DATE) AS hi,
    'current' AS period,
    (
      SELECT
        excluded
      FROM excluded_current
    ) AS excluded
  UNION ALL
  SELECT
    1,
    CAST(NULL AS DATE),
    CAST($9 AS DATE),
    CAST($10 AS DATE),
    'previous',
    ARRAY(SELECT
      p
    FROM UNNEST(CAST($2 AS TEXT[])) AS u(p)
    WHERE
      (
        SELECT
          COUNT(DISTINCT r.user_id)
        FROM rows_sessions_0 AS r
        WHERE
          r.region = p
          AND r.minis_day BETWEEN CAST($9 AS DATE) AND CAST($10 AS DATE)
          AND r.os = CAST($1 AS TEXT)
      ) < CAST($3 AS INT))
  UNION ALL
  SELECT
    2 + i,
    CAST($7 AS DATE) + i,
    CAST($7 AS DATE) + i,
    CAST($7 AS DATE) + i,
    'current',
    (
      SELECT
        excluded
      FROM excluded_current
    )
  FROM GENERATE_SERIES(0, CAST($8 AS DATE) - CAST($7 AS DATE)) AS s(i)
), rows_sessions_1 AS (
  SELECT
    *,
    CAST(t.started_at AT TIME ZONE 'UTC' AS DATE) AS minis_day
  FROM launches AS t
  WHERE
    (
      (
        (
          t.app_id = CAST($4 AS TEXT) AND t.success
        )
        AND t.started_at < CAST(CAST($6 AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
      )
      AND t.os = CAST($1 AS TEXT)
    )
    AND t.region = ANY(
      CAST($11 AS TEXT[])
    )
), firsts_0 AS (
  SELECT
    period,
    first_day,
    COUNT(*) AS users
  FROM (
    SELECT
      v.period,
      r.user_id AS uid,
      MIN(r.minis_day) AS first_day
    FROM (
      SELECT DISTINCT
        period,
        excluded
      FROM grains
    ) AS v
    JOIN rows_sessions_1 AS r
      ON NOT r.region = ANY(
        v.excluded
      )
    GROUP BY
      v.period,
      r.user_id
  ) AS u
  GROUP BY
    period,
    first_day
), agg_0 AS (
  SELECT
    g.grain_id,
    CAST(SUM(f.users) AS BIGINT) AS m_sessions_total_users
  FROM grains AS g
  JOIN firsts_0 AS f
    ON f.period = g.period AND f.first_day <= g.hi
  GROUP BY
    g.grain_id
), rows_sessions_2 AS (
  SELECT
    *,
    CAST(t.started_at AT TIME ZONE 'UTC' AS DATE) AS minis_day
  FROM launches AS t
  WHERE
    (
      (
        (
          (
            t.app_id = CAST($4 AS TEXT) AND t.success
          )
          AND t.started_at >= CAST(CAST($5 AS DATE) AS TIMESTAMP) AT TIME ZONE 'UTC'
        )
        AND t.started_at < CAST(CAST($6 AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
      )
      AND t.os = CAST($1 AS TEXT)
    )
    AND t.region = ANY(
      CAST($11 AS TEXT[])
    )
), grain_days AS (
  SELECT
    g.grain_id,
    g.lo + s.i AS day
  FROM grains AS g
  CROSS JOIN LATERAL GENERATE_SERIES(0, g.hi - g.lo) AS s(i)
), agg_1 AS (
  SELECT
    g.grain_id,
    COUNT(DISTINCT r.user_id) AS m_sessions_users,
    SUM(r.duration_ms) AS m_sessions_duration_ms
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_sessions_2 AS r
    ON r.minis_day = gd.day AND NOT r.region = ANY(
      g.excluded
    )
  GROUP BY
    g.grain_id
), first_rows_sessions AS (
  SELECT DISTINCT ON (t.user_id)
    *,
    CAST(t.started_at AT TIME ZONE 'UTC' AS DATE) AS minis_day
  FROM launches AS t
  WHERE
    t.app_id = CAST($4 AS TEXT) AND t.success
  ORDER BY
    t.user_id,
    t.started_at,
    t.launch_id
), rows_first_sessions_3 AS (
  SELECT
    *
  FROM first_rows_sessions AS t
  WHERE
    (
      (
        t.started_at >= CAST(CAST($5 AS DATE) AS TIMESTAMP) AT TIME ZONE 'UTC'
        AND t.started_at < CAST(CAST($6 AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
      )
      AND t.os = CAST($1 AS TEXT)
    )
    AND t.region = ANY(
      CAST($11 AS TEXT[])
    )
), agg_2 AS (
  SELECT
    g.grain_id,
    COUNT(DISTINCT r.user_id) AS m_first_sessions_users
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_first_sessions_3 AS r
    ON r.minis_day = gd.day AND NOT r.region = ANY(
      g.excluded
    )
  GROUP BY
    g.grain_id
), per_user_3 AS (
  SELECT
    g.grain_id,
    r.user_id AS uid,
    COUNT(*) AS v
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_sessions_2 AS r
    ON r.minis_day = gd.day AND NOT r.region = ANY(
      g.excluded
    )
  GROUP BY
    g.grain_id,
    r.user_id
), agg_3 AS (
  SELECT
    per_user_3.grain_id,
    COUNT(*) FILTER(WHERE
      v >= 2.0) AS m_sessions_repeat_users
  FROM per_user_3
  GROUP BY
    per_user_3.grain_id
)
SELECT
  g.grain_id,
  g.grain_day,
  g.excluded,
  CAST(COALESCE(agg_0.m_sessions_total_users, 0) AS DOUBLE PRECISION) AS total_users,
  CAST(COALESCE(agg_1.m_sessions_users, 0) AS DOUBLE PRECISION) AS active_users,
  CAST(COALESCE(agg_2.m_first_sessions_users, 0) AS DOUBLE PRECISION) AS new_users,
  CAST(COALESCE(agg_3.m_sessions_repeat_users, 0) AS DOUBLE PRECISION) AS repeat_users,
  CAST(CAST(COALESCE(agg_1.m_sessions_duration_ms, 0) AS DOUBLE PRECISION) / NULLIF(COALESCE(agg_1.m_sessions_users, 0), 0) AS DOUBLE PRECISION) AS avg_duration_per_user
FROM grains AS g
LEFT JOIN agg_0
  ON agg_0.grain_id = g.grain_id
LEFT JOIN agg_1
  ON agg_1.grain_id = g.grain_id
LEFT JOIN agg_2
  ON agg_2.grain_id = g.grain_id
LEFT JOIN agg_3
  ON agg_3.grain_id = g.grain_id
ORDER BY
  g.grain_id;
-- parameters: ['ios', ['US'], 1000, 'g1', datetime.date(2026, 10, 7), datetime.date(2026, 10, 14), datetime.date(2026, 10, 11), datetime.date(2026, 10, 14), datetime.date(2026, 10, 7), datetime.date(2026, 10, 10), ['GB', 'BR']]
