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
        (
          t.app_id = CAST($5 AS TEXT) AND t.success
        )
        AND t.started_at < CAST(CAST($6 AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
      )
      AND t.os = CAST($7 AS TEXT)
    )
    AND t.region = ANY(
      CAST($8 AS TEXT[])
    )
), rows_sessions_1 AS (
  SELECT
    *,
    CAST(t.started_at AT TIME ZONE 'UTC' AS DATE) AS minis_day
  FROM launches AS t
  WHERE
    (
      t.app_id = CAST($5 AS TEXT) AND t.success
    )
    AND t.started_at < CAST(CAST($11 AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
), privacy_rows AS (
  SELECT DISTINCT
    s.user_id AS u,
    s.minis_day AS d,
    s.os AS os
  FROM rows_sessions_1 AS s
  WHERE
    s.region = ANY(
      CAST($9 AS TEXT[])
    )
), privacy_keyed AS (
  SELECT
    u,
    d,
    '*' AS os,
    COALESCE(os, '') AS real_os
  FROM privacy_rows
  UNION
  SELECT
    u,
    d,
    os,
    COALESCE(os, '') AS real_os
  FROM privacy_rows
  WHERE
    os IN ('ios', 'android')
), privacy_candidates_0 AS (
  SELECT
    os,
    0 AS level,
    lo,
    lo + 0 AS hi,
    users,
    remainder,
    only_os,
    users >= CAST($10 AS INT)
    AND (
      remainder IS NULL OR remainder = 0 OR remainder >= CAST($10 AS INT)
    ) AS passes
  FROM (
    SELECT
      r.os,
      r.d AS lo,
      COUNT(DISTINCT r.u) AS users,
      CAST(NULL AS BIGINT) AS remainder,
      CASE WHEN COUNT(DISTINCT r.real_os) = 1 THEN MIN(r.real_os) END AS only_os
    FROM privacy_keyed AS r
    GROUP BY
      r.os,
      r.d
  ) AS c
  WHERE
    lo + 0 <= CAST($11 AS DATE)
), privacy_level_0 AS (
  SELECT
    os,
    level,
    lo,
    hi,
    users,
    remainder,
    only_os,
    CASE
      WHEN os = '*'
      THEN passes
      ELSE passes
      AND MAX(CASE WHEN os = '*' THEN CAST(passes AS INT) ELSE 0 END) OVER (PARTITION BY lo) = 1
      AND SUM(CASE WHEN os <> '*' AND passes THEN 1 ELSE 0 END) OVER (PARTITION BY lo) = 2
    END AS shown
  FROM privacy_candidates_0
), privacy_covered_1 AS (
  SELECT
    c.os,
    CAST(g.d AS DATE) AS d
  FROM privacy_level_0 AS c
  CROSS JOIN LATERAL GENERATE_SERIES(CAST(c.lo AS TIMESTAMP), CAST(c.hi AS TIMESTAMP), INTERVAL '1 DAY') AS g(d)
  WHERE
    c.shown
  UNION
  SELECT
    c.only_os AS os,
    CAST(g.d AS DATE) AS d
  FROM privacy_level_0 AS c
  CROSS JOIN LATERAL GENERATE_SERIES(CAST(c.lo AS TIMESTAMP), CAST(c.hi AS TIMESTAMP), INTERVAL '1 DAY') AS g(d)
  WHERE
    c.shown AND c.os = '*' AND NOT c.only_os IS NULL
), privacy_regions_1 AS (
  SELECT DISTINCT ON (d)
    d,
    level AS rlevel,
    lo AS rlo
  FROM (
    SELECT
      c.level,
      c.lo,
      CAST(g.d AS DATE) AS d
    FROM privacy_level_0 AS c
    CROSS JOIN LATERAL GENERATE_SERIES(CAST(c.lo AS TIMESTAMP), CAST(c.hi AS TIMESTAMP), INTERVAL '1 DAY') AS g(d)
    WHERE
      c.shown AND c.os = '*'
  ) AS x
  ORDER BY
    d,
    level
), privacy_small_atoms_1 AS (
  SELECT DISTINCT
    os,
    lo
  FROM (
    SELECT
      r.os,
      r.d - (
        (
          (
            r.d - CAST('2024-01-01' AS DATE)
          ) % 7 + 7
        ) % 7
      ) AS lo,
      COUNT(DISTINCT r.u) AS users
    FROM privacy_keyed AS r
    LEFT JOIN privacy_regions_1 AS g
      ON g.d = r.d
    WHERE
      r.os <> '*'
    GROUP BY
      r.os,
      r.d - (
        (
          (
            r.d - CAST('2024-01-01' AS DATE)
          ) % 7 + 7
        ) % 7
      ),
      COALESCE(g.rlevel, -1),
      COALESCE(
        g.rlo,
        r.d - (
          (
            (
              r.d - CAST('2024-01-01' AS DATE)
            ) % 7 + 7
          ) % 7
        )
      )
  ) AS t
  WHERE
    users < CAST($10 AS INT)
), privacy_candidates_1 AS (
  SELECT
    os,
    1 AS level,
    lo,
    lo + 6 AS hi,
    users,
    remainder,
    only_os,
    (
      users >= CAST($10 AS INT)
      AND (
        remainder IS NULL OR remainder = 0 OR remainder >= CAST($10 AS INT)
      )
    )
    AND NOT EXISTS(
      SELECT
        1
      FROM privacy_small_atoms_1 AS a
      WHERE
        a.os = c.os AND a.lo = c.lo
    ) AS passes
  FROM (
    SELECT
      r.os,
      r.d - (
        (
          (
            r.d - CAST('2024-01-01' AS DATE)
          ) % 7 + 7
        ) % 7
      ) AS lo,
      COUNT(DISTINCT r.u) AS users,
      COUNT(DISTINCT r.u) FILTER(WHERE
        v.d IS NULL) AS remainder,
      CASE WHEN COUNT(DISTINCT r.real_os) = 1 THEN MIN(r.real_os) END AS only_os
    FROM privacy_keyed AS r
    LEFT JOIN privacy_covered_1 AS v
      ON v.os = r.os AND v.d = r.d
    GROUP BY
      r.os,
      r.d - (
        (
          (
            r.d - CAST('2024-01-01' AS DATE)
          ) % 7 + 7
        ) % 7
      )
  ) AS c
  WHERE
    lo + 6 <= CAST($11 AS DATE)
), privacy_level_1 AS (
  SELECT
    os,
    level,
    lo,
    hi,
    users,
    remainder,
    only_os,
    CASE
      WHEN os = '*'
      THEN passes
      ELSE passes
      AND MAX(CASE WHEN os = '*' THEN CAST(passes AS INT) ELSE 0 END) OVER (PARTITION BY lo) = 1
      AND SUM(CASE WHEN os <> '*' AND passes THEN 1 ELSE 0 END) OVER (PARTITION BY lo) = 2
    END AS shown
  FROM privacy_candidates_1
), privacy_covered_2 AS (
  SELECT
    c.os,
    CAST(g.d AS DATE) AS d
  FROM privacy_level_0 AS c
  CROSS JOIN LATERAL GENERATE_SERIES(CAST(c.lo AS TIMESTAMP), CAST(c.hi AS TIMESTAMP), INTERVAL '1 DAY') AS g(d)
  WHERE
    c.shown
  UNION
  SELECT
    c.only_os AS os,
    CAST(g.d AS DATE) AS d
  FROM privacy_level_0 AS c
  CROSS JOIN LATERAL GENERATE_SERIES(CAST(c.lo AS TIMESTAMP), CAST(c.hi AS TIMESTAMP), INTERVAL '1 DAY') AS g(d)
  WHERE
    c.shown AND c.os = '*' AND NOT c.only_os IS NULL
  UNION
  SELECT
    c.os,
    CAST(g.d AS DATE) AS d
  FROM privacy_level_1 AS c
  CROSS JOIN LATERAL GENERATE_SERIES(CAST(c.lo AS TIMESTAMP), CAST(c.hi AS TIMESTAMP), INTERVAL '1 DAY') AS g(d)
  WHERE
    c.shown
  UNION
  SELECT
    c.only_os AS os,
    CAST(g.d AS DATE) AS d
  FROM privacy_level_1 AS c
  CROSS JOIN LATERAL GENERATE_SERIES(CAST(c.lo AS TIMESTAMP), CAST(c.hi AS TIMESTAMP), INTERVAL '1 DAY') AS g(d)
  WHERE
    c.shown AND c.os = '*' AND NOT c.only_os IS NULL
), privacy_regions_2 AS (
  SELECT DISTINCT ON (d)
    d,
    level AS rlevel,
    lo AS rlo
  FROM (
    SELECT
      c.level,
      c.lo,
      CAST(g.d AS DATE) AS d
    FROM privacy_level_0 AS c
    CROSS JOIN LATERAL GENERATE_SERIES(CAST(c.lo AS TIMESTAMP), CAST(c.hi AS TIMESTAMP), INTERVAL '1 DAY') AS g(d)
    WHERE
      c.shown AND c.os = '*'
    UNION ALL
    SELECT
      c.level,
      c.lo,
      CAST(g.d AS DATE) AS d
    FROM privacy_level_1 AS c
    CROSS JOIN LATERAL GENERATE_SERIES(CAST(c.lo AS TIMESTAMP), CAST(c.hi AS TIMESTAMP), INTERVAL '1 DAY') AS g(d)
    WHERE
      c.shown AND c.os = '*'
  ) AS x
  ORDER BY
    d,
    level
), privacy_small_atoms_2 AS (
  SELECT DISTINCT
    os,
    lo
  FROM (
    SELECT
      r.os,
      r.d - (
        (
          (
            r.d - CAST('2024-01-01' AS DATE)
          ) % 28 + 28
        ) % 28
      ) AS lo,
      COUNT(DISTINCT r.u) AS users
    FROM privacy_keyed AS r
    LEFT JOIN privacy_regions_2 AS g
      ON g.d = r.d
    WHERE
      r.os <> '*'
    GROUP BY
      r.os,
      r.d - (
        (
          (
            r.d - CAST('2024-01-01' AS DATE)
          ) % 28 + 28
        ) % 28
      ),
      COALESCE(g.rlevel, -1),
      COALESCE(
        g.rlo,
        r.d - (
          (
            (
              r.d - CAST('2024-01-01' AS DATE)
            ) % 28 + 28
          ) % 28
        )
      )
  ) AS t
  WHERE
    users < CAST($10 AS INT)
), privacy_candidates_2 AS (
  SELECT
    os,
    2 AS level,
    lo,
    lo + 27 AS hi,
    users,
    remainder,
    only_os,
    (
      users >= CAST($10 AS INT)
      AND (
        remainder IS NULL OR remainder = 0 OR remainder >= CAST($10 AS INT)
      )
    )
    AND NOT EXISTS(
      SELECT
        1
      FROM privacy_small_atoms_2 AS a
      WHERE
        a.os = c.os AND a.lo = c.lo
    ) AS passes
  FROM (
    SELECT
      r.os,
      r.d - (
        (
          (
            r.d - CAST('2024-01-01' AS DATE)
          ) % 28 + 28
        ) % 28
      ) AS lo,
      COUNT(DISTINCT r.u) AS users,
      COUNT(DISTINCT r.u) FILTER(WHERE
        v.d IS NULL) AS remainder,
      CASE WHEN COUNT(DISTINCT r.real_os) = 1 THEN MIN(r.real_os) END AS only_os
    FROM privacy_keyed AS r
    LEFT JOIN privacy_covered_2 AS v
      ON v.os = r.os AND v.d = r.d
    GROUP BY
      r.os,
      r.d - (
        (
          (
            r.d - CAST('2024-01-01' AS DATE)
          ) % 28 + 28
        ) % 28
      )
  ) AS c
  WHERE
    lo + 27 <= CAST($11 AS DATE)
), privacy_level_2 AS (
  SELECT
    os,
    level,
    lo,
    hi,
    users,
    remainder,
    only_os,
    CASE
      WHEN os = '*'
      THEN passes
      ELSE passes
      AND MAX(CASE WHEN os = '*' THEN CAST(passes AS INT) ELSE 0 END) OVER (PARTITION BY lo) = 1
      AND SUM(CASE WHEN os <> '*' AND passes THEN 1 ELSE 0 END) OVER (PARTITION BY lo) = 2
    END AS shown
  FROM privacy_candidates_2
), privacy_covered_3 AS (
  SELECT
    c.os,
    CAST(g.d AS DATE) AS d
  FROM privacy_level_0 AS c
  CROSS JOIN LATERAL GENERATE_SERIES(CAST(c.lo AS TIMESTAMP), CAST(c.hi AS TIMESTAMP), INTERVAL '1 DAY') AS g(d)
  WHERE
    c.shown
  UNION
  SELECT
    c.only_os AS os,
    CAST(g.d AS DATE) AS d
  FROM privacy_level_0 AS c
  CROSS JOIN LATERAL GENERATE_SERIES(CAST(c.lo AS TIMESTAMP), CAST(c.hi AS TIMESTAMP), INTERVAL '1 DAY') AS g(d)
  WHERE
    c.shown AND c.os = '*' AND NOT c.only_os IS NULL
  UNION
  SELECT
    c.os,
    CAST(g.d AS DATE) AS d
  FROM privacy_level_1 AS c
  CROSS JOIN LATERAL GENERATE_SERIES(CAST(c.lo AS TIMESTAMP), CAST(c.hi AS TIMESTAMP), INTERVAL '1 DAY') AS g(d)
  WHERE
    c.shown
  UNION
  SELECT
    c.only_os AS os,
    CAST(g.d AS DATE) AS d
  FROM privacy_level_1 AS c
  CROSS JOIN LATERAL GENERATE_SERIES(CAST(c.lo AS TIMESTAMP), CAST(c.hi AS TIMESTAMP), INTERVAL '1 DAY') AS g(d)
  WHERE
    c.shown AND c.os = '*' AND NOT c.only_os IS NULL
  UNION
  SELECT
    c.os,
    CAST(g.d AS DATE) AS d
  FROM privacy_level_2 AS c
  CROSS JOIN LATERAL GENERATE_SERIES(CAST(c.lo AS TIMESTAMP), CAST(c.hi AS TIMESTAMP), INTERVAL '1 DAY') AS g(d)
  WHERE
    c.shown
  UNION
  SELECT
    c.only_os AS os,
    CAST(g.d AS DATE) AS d
  FROM privacy_level_2 AS c
  CROSS JOIN LATERAL GENERATE_SERIES(CAST(c.lo AS TIMESTAMP), CAST(c.hi AS TIMESTAMP), INTERVAL '1 DAY') AS g(d)
  WHERE
    c.shown AND c.os = '*' AND NOT c.only_os IS NULL
), privacy_regions_3 AS (
  SELECT DISTINCT ON (d)
    d,
    level AS rlevel,
    lo AS rlo
  FROM (
    SELECT
      c.level,
      c.lo,
      CAST(g.d AS DATE) AS d
    FROM privacy_level_0 AS c
    CROSS JOIN LATERAL GENERATE_SERIES(CAST(c.lo AS TIMESTAMP), CAST(c.hi AS TIMESTAMP), INTERVAL '1 DAY') AS g(d)
    WHERE
      c.shown AND c.os = '*'
    UNION ALL
    SELECT
      c.level,
      c.lo,
      CAST(g.d AS DATE) AS d
    FROM privacy_level_1 AS c
    CROSS JOIN LATERAL GENERATE_SERIES(CAST(c.lo AS TIMESTAMP), CAST(c.hi AS TIMESTAMP), INTERVAL '1 DAY') AS g(d)
    WHERE
      c.shown AND c.os = '*'
    UNION ALL
    SELECT
      c.level,
      c.lo,
      CAST(g.d AS DATE) AS d
    FROM privacy_level_2 AS c
    CROSS JOIN LATERAL GENERATE_SERIES(CAST(c.lo AS TIMESTAMP), CAST(c.hi AS TIMESTAMP), INTERVAL '1 DAY') AS g(d)
    WHERE
      c.shown AND c.os = '*'
  ) AS x
  ORDER BY
    d,
    level
), privacy_small_atoms_3 AS (
  SELECT DISTINCT
    os,
    lo
  FROM (
    SELECT
      r.os,
      r.d - (
        (
          (
            r.d - CAST('2024-01-01' AS DATE)
          ) % 84 + 84
        ) % 84
      ) AS lo,
      COUNT(DISTINCT r.u) AS users
    FROM privacy_keyed AS r
    LEFT JOIN privacy_regions_3 AS g
      ON g.d = r.d
    WHERE
      r.os <> '*'
    GROUP BY
      r.os,
      r.d - (
        (
          (
            r.d - CAST('2024-01-01' AS DATE)
          ) % 84 + 84
        ) % 84
      ),
      COALESCE(g.rlevel, -1),
      COALESCE(
        g.rlo,
        r.d - (
          (
            (
              r.d - CAST('2024-01-01' AS DATE)
            ) % 84 + 84
          ) % 84
        )
      )
  ) AS t
  WHERE
    users < CAST($10 AS INT)
), privacy_candidates_3 AS (
  SELECT
    os,
    3 AS level,
    lo,
    lo + 83 AS hi,
    users,
    remainder,
    only_os,
    (
      users >= CAST($10 AS INT)
      AND (
        remainder IS NULL OR remainder = 0 OR remainder >= CAST($10 AS INT)
      )
    )
    AND NOT EXISTS(
      SELECT
        1
      FROM privacy_small_atoms_3 AS a
      WHERE
        a.os = c.os AND a.lo = c.lo
    ) AS passes
  FROM (
    SELECT
      r.os,
      r.d - (
        (
          (
            r.d - CAST('2024-01-01' AS DATE)
          ) % 84 + 84
        ) % 84
      ) AS lo,
      COUNT(DISTINCT r.u) AS users,
      COUNT(DISTINCT r.u) FILTER(WHERE
        v.d IS NULL) AS remainder,
      CASE WHEN COUNT(DISTINCT r.real_os) = 1 THEN MIN(r.real_os) END AS only_os
    FROM privacy_keyed AS r
    LEFT JOIN privacy_covered_3 AS v
      ON v.os = r.os AND v.d = r.d
    GROUP BY
      r.os,
      r.d - (
        (
          (
            r.d - CAST('2024-01-01' AS DATE)
          ) % 84 + 84
        ) % 84
      )
  ) AS c
  WHERE
    lo + 83 <= CAST($11 AS DATE)
), privacy_level_3 AS (
  SELECT
    os,
    level,
    lo,
    hi,
    users,
    remainder,
    only_os,
    CASE
      WHEN os = '*'
      THEN passes
      ELSE passes
      AND MAX(CASE WHEN os = '*' THEN CAST(passes AS INT) ELSE 0 END) OVER (PARTITION BY lo) = 1
      AND SUM(CASE WHEN os <> '*' AND passes THEN 1 ELSE 0 END) OVER (PARTITION BY lo) = 2
    END AS shown
  FROM privacy_candidates_3
), privacy_cells AS (
  SELECT
    os,
    level,
    lo,
    hi,
    users,
    remainder,
    only_os,
    shown
  FROM privacy_level_0
  UNION ALL
  SELECT
    os,
    level,
    lo,
    hi,
    users,
    remainder,
    only_os,
    shown
  FROM privacy_level_1
  UNION ALL
  SELECT
    os,
    level,
    lo,
    hi,
    users,
    remainder,
    only_os,
    shown
  FROM privacy_level_2
  UNION ALL
  SELECT
    os,
    level,
    lo,
    hi,
    users,
    remainder,
    only_os,
    shown
  FROM privacy_level_3
), privacy_days AS MATERIALIZED (
  SELECT DISTINCT ON (c.os, CAST(g.d AS DATE))
    c.os,
    CAST(g.d AS DATE) AS day,
    c.lo AS clo,
    c.hi AS chi
  FROM privacy_cells AS c
  CROSS JOIN LATERAL GENERATE_SERIES(CAST(c.lo AS TIMESTAMP), CAST(c.hi AS TIMESTAMP), INTERVAL '1 DAY') AS g(d)
  WHERE
    c.shown
  ORDER BY
    c.os,
    CAST(g.d AS DATE),
    c.level
), firsts_0 AS (
  SELECT
    first_day,
    COUNT(*) AS users
  FROM (
    SELECT
      r.user_id AS uid,
      MIN(CASE WHEN r.region = ANY(
        CAST($9 AS TEXT[])
      ) THEN p.chi ELSE r.minis_day END) AS first_day
    FROM rows_sessions_0 AS r
    LEFT JOIN privacy_days AS p
      ON p.day = r.minis_day AND p.os = CAST($7 AS TEXT)
    GROUP BY
      r.user_id
  ) AS u
  WHERE
    NOT first_day IS NULL
  GROUP BY
    first_day
), agg_0 AS (
  SELECT
    g.grain_id,
    CAST(SUM(f.users) AS BIGINT) AS m_sessions_total_users
  FROM grains AS g
  JOIN firsts_0 AS f
    ON f.first_day <= g.hi
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
            t.app_id = CAST($5 AS TEXT) AND t.success
          )
          AND t.started_at >= CAST(CAST($12 AS DATE) AS TIMESTAMP) AT TIME ZONE 'UTC'
        )
        AND t.started_at < CAST(CAST($6 AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
      )
      AND t.os = CAST($7 AS TEXT)
    )
    AND t.region = ANY(
      CAST($8 AS TEXT[])
    )
), grain_days AS (
  SELECT
    g.grain_id,
    g.lo + s.i AS day,
    COALESCE(ARRAY_AGG(p.os) FILTER(WHERE
      NOT p.os IS NULL), CAST(ARRAY[] AS TEXT[])) AS shown
  FROM grains AS g
  CROSS JOIN LATERAL GENERATE_SERIES(0, g.hi - g.lo) AS s(i)
  LEFT JOIN privacy_days AS p
    ON p.day = g.lo + s.i AND p.clo >= g.lo AND p.chi <= g.hi
  GROUP BY
    g.grain_id,
    g.lo,
    s.i
), agg_1 AS (
  SELECT
    g.grain_id,
    COUNT(DISTINCT r.user_id) AS m_sessions_users,
    SUM(r.duration_ms) AS m_sessions_duration_ms
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_sessions_2 AS r
    ON r.minis_day = gd.day
    AND (
      NOT r.region = ANY(
        CAST($9 AS TEXT[])
      )
      OR CAST($7 AS TEXT) = ANY(
        gd.shown
      )
    )
  GROUP BY
    g.grain_id
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
), rows_first_sessions_3 AS (
  SELECT
    *
  FROM first_rows_sessions AS t
  WHERE
    (
      (
        t.started_at >= CAST(CAST($12 AS DATE) AS TIMESTAMP) AT TIME ZONE 'UTC'
        AND t.started_at < CAST(CAST($6 AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
      )
      AND t.os = CAST($7 AS TEXT)
    )
    AND t.region = ANY(
      CAST($8 AS TEXT[])
    )
), agg_2 AS (
  SELECT
    g.grain_id,
    COUNT(DISTINCT r.user_id) AS m_first_sessions_users
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_first_sessions_3 AS r
    ON r.minis_day = gd.day
    AND (
      NOT r.region = ANY(
        CAST($9 AS TEXT[])
      )
      OR CAST($7 AS TEXT) = ANY(
        gd.shown
      )
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
    ON r.minis_day = gd.day
    AND (
      NOT r.region = ANY(
        CAST($9 AS TEXT[])
      )
      OR CAST($7 AS TEXT) = ANY(
        gd.shown
      )
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
  ARRAY(SELECT
    d.day
  FROM grain_days AS d
  WHERE
    d.grain_id = g.grain_id AND CAST($7 AS TEXT) = ANY(
      d.shown
    )
  ORDER BY
    d.day) AS shown_days,
  ARRAY(SELECT
    p.day
  FROM privacy_days AS p
  WHERE
    p.os = CAST($7 AS TEXT) AND p.chi <= g.hi
  ORDER BY
    p.day) AS shown_till,
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
-- parameters: [datetime.date(2026, 10, 11), datetime.date(2026, 10, 14), datetime.date(2026, 10, 7), datetime.date(2026, 10, 10), 'g1', datetime.date(2026, 10, 14), 'ios', ['GB', 'BR'], ['US'], 1000, datetime.date(2026, 10, 17), datetime.date(2026, 10, 7)]
