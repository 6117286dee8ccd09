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
        (
          t.app_id = {p5: Nullable(String)} AND t.success
        )
        AND t.started_at < toDateTime64({p6: Nullable(DATE)} + 1, 6, 'UTC')
      )
      AND t.os = {p7: Nullable(String)}
    )
    AND has({p8: Array(Nullable(String))}, t.region)
), rows_sessions_1 AS MATERIALIZED (
  SELECT
    *,
    CAST(toTimeZone(t.started_at, 'UTC') AS Nullable(DATE)) AS minis_day
  FROM launches AS t FINAL
  WHERE
    (
      t.app_id = {p5: Nullable(String)} AND t.success
    )
    AND t.started_at < toDateTime64({p11: Nullable(DATE)} + 1, 6, 'UTC')
), privacy_rows AS MATERIALIZED (
  SELECT DISTINCT
    s.user_id AS u,
    s.minis_day AS d,
    s.os AS os
  FROM rows_sessions_1 AS s
  WHERE
    has({p9: Array(Nullable(String))}, s.region)
), privacy_keyed AS MATERIALIZED (
  SELECT
    u,
    d,
    '*' AS os,
    COALESCE(os, '') AS real_os
  FROM privacy_rows
  UNION DISTINCT
  SELECT
    u,
    d,
    os,
    COALESCE(os, '') AS real_os
  FROM privacy_rows
  WHERE
    os IN ('ios', 'android')
), privacy_candidates_0 AS MATERIALIZED (
  SELECT
    os,
    0 AS level,
    lo,
    lo + 0 AS hi,
    users,
    remainder,
    only_os,
    users >= {p10: Nullable(Int32)}
    AND (
      remainder IS NULL OR remainder = 0 OR remainder >= {p10: Nullable(Int32)}
    ) AS passes
  FROM (
    SELECT
      r.os AS os,
      r.d AS lo,
      toInt64(COUNT(DISTINCT r.u)) AS users,
      CAST(NULL AS Nullable(Int64)) AS remainder,
      CASE WHEN toInt64(COUNT(DISTINCT r.real_os)) = 1 THEN MIN(r.real_os) END AS only_os
    FROM privacy_keyed AS r
    GROUP BY
      r.os,
      r.d
  ) AS c
  WHERE
    lo + 0 <= {p11: Nullable(DATE)}
), privacy_level_0 AS MATERIALIZED (
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
      AND MAX(CASE WHEN os = '*' THEN CAST(passes AS Nullable(Int32)) ELSE 0 END) OVER (PARTITION BY lo) = 1
      AND SUM(CASE WHEN os <> '*' AND passes THEN 1 ELSE 0 END) OVER (PARTITION BY lo) = 2
    END AS shown
  FROM privacy_candidates_0
), privacy_covered_1 AS MATERIALIZED (
  SELECT
    c.os AS os,
    CAST(g__d AS Nullable(DATE)) AS d
  FROM (
    SELECT
      *,
      g__d
    FROM privacy_level_0 AS c
    ARRAY JOIN arrayMap(minis_k -> c.lo + minis_k, range(toInt64(c.hi - c.lo + 1))) AS g__d
  ) AS c
  WHERE
    c.shown
  UNION DISTINCT
  SELECT
    c.only_os AS os,
    CAST(g__d AS Nullable(DATE)) AS d
  FROM (
    SELECT
      *,
      g__d
    FROM privacy_level_0 AS c
    ARRAY JOIN arrayMap(minis_k -> c.lo + minis_k, range(toInt64(c.hi - c.lo + 1))) AS g__d
  ) AS c
  WHERE
    c.shown AND c.os = '*' AND NOT (
      c.only_os IS NULL
    )
), privacy_regions_1 AS MATERIALIZED (
  SELECT
    d,
    level AS rlevel,
    lo AS rlo
  FROM (
    SELECT
      c.level AS level,
      c.lo AS lo,
      CAST(g__d AS Nullable(DATE)) AS d
    FROM (
      SELECT
        *,
        g__d
      FROM privacy_level_0 AS c
      ARRAY JOIN arrayMap(minis_k -> c.lo + minis_k, range(toInt64(c.hi - c.lo + 1))) AS g__d
    ) AS c
    WHERE
      c.shown AND c.os = '*'
  ) AS x
  ORDER BY
    d,
    level
  LIMIT 1 BY d
), privacy_small_atoms_1 AS MATERIALIZED (
  SELECT DISTINCT
    os,
    lo
  FROM (
    SELECT
      r.os AS os,
      r.d - (
        (
          (
            r.d - CAST('2024-01-01' AS Nullable(DATE))
          ) % 7 + 7
        ) % 7
      ) AS lo,
      toInt64(COUNT(DISTINCT r.u)) AS users
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
            r.d - CAST('2024-01-01' AS Nullable(DATE))
          ) % 7 + 7
        ) % 7
      ),
      COALESCE(g.rlevel, -1),
      COALESCE(
        g.rlo,
        r.d - (
          (
            (
              r.d - CAST('2024-01-01' AS Nullable(DATE))
            ) % 7 + 7
          ) % 7
        )
      )
  ) AS t
  WHERE
    users < {p10: Nullable(Int32)}
), privacy_candidates_1 AS MATERIALIZED (
  SELECT
    os,
    1 AS level,
    lo,
    lo + 6 AS hi,
    users,
    remainder,
    only_os,
    (
      users >= {p10: Nullable(Int32)}
      AND (
        remainder IS NULL OR remainder = 0 OR remainder >= {p10: Nullable(Int32)}
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
      r.os AS os,
      r.d - (
        (
          (
            r.d - CAST('2024-01-01' AS Nullable(DATE))
          ) % 7 + 7
        ) % 7
      ) AS lo,
      toInt64(COUNT(DISTINCT r.u)) AS users,
      toInt64(COUNT(DISTINCT r.u) FILTER(WHERE
        v.d IS NULL)) AS remainder,
      CASE WHEN toInt64(COUNT(DISTINCT r.real_os)) = 1 THEN MIN(r.real_os) END AS only_os
    FROM privacy_keyed AS r
    LEFT JOIN privacy_covered_1 AS v
      ON v.os = r.os AND v.d = r.d
    GROUP BY
      r.os,
      r.d - (
        (
          (
            r.d - CAST('2024-01-01' AS Nullable(DATE))
          ) % 7 + 7
        ) % 7
      )
  ) AS c
  WHERE
    lo + 6 <= {p11: Nullable(DATE)}
), privacy_level_1 AS MATERIALIZED (
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
      AND MAX(CASE WHEN os = '*' THEN CAST(passes AS Nullable(Int32)) ELSE 0 END) OVER (PARTITION BY lo) = 1
      AND SUM(CASE WHEN os <> '*' AND passes THEN 1 ELSE 0 END) OVER (PARTITION BY lo) = 2
    END AS shown
  FROM privacy_candidates_1
), privacy_covered_2 AS MATERIALIZED (
  SELECT
    c.os AS os,
    CAST(g__d AS Nullable(DATE)) AS d
  FROM (
    SELECT
      *,
      g__d
    FROM privacy_level_0 AS c
    ARRAY JOIN arrayMap(minis_k -> c.lo + minis_k, range(toInt64(c.hi - c.lo + 1))) AS g__d
  ) AS c
  WHERE
    c.shown
  UNION DISTINCT
  SELECT
    c.only_os AS os,
    CAST(g__d AS Nullable(DATE)) AS d
  FROM (
    SELECT
      *,
      g__d
    FROM privacy_level_0 AS c
    ARRAY JOIN arrayMap(minis_k -> c.lo + minis_k, range(toInt64(c.hi - c.lo + 1))) AS g__d
  ) AS c
  WHERE
    c.shown AND c.os = '*' AND NOT (
      c.only_os IS NULL
    )
  UNION DISTINCT
  SELECT
    c.os AS os,
    CAST(g__d AS Nullable(DATE)) AS d
  FROM (
    SELECT
      *,
      g__d
    FROM privacy_level_1 AS c
    ARRAY JOIN arrayMap(minis_k -> c.lo + minis_k, range(toInt64(c.hi - c.lo + 1))) AS g__d
  ) AS c
  WHERE
    c.shown
  UNION DISTINCT
  SELECT
    c.only_os AS os,
    CAST(g__d AS Nullable(DATE)) AS d
  FROM (
    SELECT
      *,
      g__d
    FROM privacy_level_1 AS c
    ARRAY JOIN arrayMap(minis_k -> c.lo + minis_k, range(toInt64(c.hi - c.lo + 1))) AS g__d
  ) AS c
  WHERE
    c.shown AND c.os = '*' AND NOT (
      c.only_os IS NULL
    )
), privacy_regions_2 AS MATERIALIZED (
  SELECT
    d,
    level AS rlevel,
    lo AS rlo
  FROM (
    SELECT
      c.level AS level,
      c.lo AS lo,
      CAST(g__d AS Nullable(DATE)) AS d
    FROM (
      SELECT
        *,
        g__d
      FROM privacy_level_0 AS c
      ARRAY JOIN arrayMap(minis_k -> c.lo + minis_k, range(toInt64(c.hi - c.lo + 1))) AS g__d
    ) AS c
    WHERE
      c.shown AND c.os = '*'
    UNION ALL
    SELECT
      c.level AS level,
      c.lo AS lo,
      CAST(g__d AS Nullable(DATE)) AS d
    FROM (
      SELECT
        *,
        g__d
      FROM privacy_level_1 AS c
      ARRAY JOIN arrayMap(minis_k -> c.lo + minis_k, range(toInt64(c.hi - c.lo + 1))) AS g__d
    ) AS c
    WHERE
      c.shown AND c.os = '*'
  ) AS x
  ORDER BY
    d,
    level
  LIMIT 1 BY d
), privacy_small_atoms_2 AS MATERIALIZED (
  SELECT DISTINCT
    os,
    lo
  FROM (
    SELECT
      r.os AS os,
      r.d - (
        (
          (
            r.d - CAST('2024-01-01' AS Nullable(DATE))
          ) % 28 + 28
        ) % 28
      ) AS lo,
      toInt64(COUNT(DISTINCT r.u)) AS users
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
            r.d - CAST('2024-01-01' AS Nullable(DATE))
          ) % 28 + 28
        ) % 28
      ),
      COALESCE(g.rlevel, -1),
      COALESCE(
        g.rlo,
        r.d - (
          (
            (
              r.d - CAST('2024-01-01' AS Nullable(DATE))
            ) % 28 + 28
          ) % 28
        )
      )
  ) AS t
  WHERE
    users < {p10: Nullable(Int32)}
), privacy_candidates_2 AS MATERIALIZED (
  SELECT
    os,
    2 AS level,
    lo,
    lo + 27 AS hi,
    users,
    remainder,
    only_os,
    (
      users >= {p10: Nullable(Int32)}
      AND (
        remainder IS NULL OR remainder = 0 OR remainder >= {p10: Nullable(Int32)}
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
      r.os AS os,
      r.d - (
        (
          (
            r.d - CAST('2024-01-01' AS Nullable(DATE))
          ) % 28 + 28
        ) % 28
      ) AS lo,
      toInt64(COUNT(DISTINCT r.u)) AS users,
      toInt64(COUNT(DISTINCT r.u) FILTER(WHERE
        v.d IS NULL)) AS remainder,
      CASE WHEN toInt64(COUNT(DISTINCT r.real_os)) = 1 THEN MIN(r.real_os) END AS only_os
    FROM privacy_keyed AS r
    LEFT JOIN privacy_covered_2 AS v
      ON v.os = r.os AND v.d = r.d
    GROUP BY
      r.os,
      r.d - (
        (
          (
            r.d - CAST('2024-01-01' AS Nullable(DATE))
          ) % 28 + 28
        ) % 28
      )
  ) AS c
  WHERE
    lo + 27 <= {p11: Nullable(DATE)}
), privacy_level_2 AS MATERIALIZED (
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
      AND MAX(CASE WHEN os = '*' THEN CAST(passes AS Nullable(Int32)) ELSE 0 END) OVER (PARTITION BY lo) = 1
      AND SUM(CASE WHEN os <> '*' AND passes THEN 1 ELSE 0 END) OVER (PARTITION BY lo) = 2
    END AS shown
  FROM privacy_candidates_2
), privacy_covered_3 AS MATERIALIZED (
  SELECT
    c.os AS os,
    CAST(g__d AS Nullable(DATE)) AS d
  FROM (
    SELECT
      *,
      g__d
    FROM privacy_level_0 AS c
    ARRAY JOIN arrayMap(minis_k -> c.lo + minis_k, range(toInt64(c.hi - c.lo + 1))) AS g__d
  ) AS c
  WHERE
    c.shown
  UNION DISTINCT
  SELECT
    c.only_os AS os,
    CAST(g__d AS Nullable(DATE)) AS d
  FROM (
    SELECT
      *,
      g__d
    FROM privacy_level_0 AS c
    ARRAY JOIN arrayMap(minis_k -> c.lo + minis_k, range(toInt64(c.hi - c.lo + 1))) AS g__d
  ) AS c
  WHERE
    c.shown AND c.os = '*' AND NOT (
      c.only_os IS NULL
    )
  UNION DISTINCT
  SELECT
    c.os AS os,
    CAST(g__d AS Nullable(DATE)) AS d
  FROM (
    SELECT
      *,
      g__d
    FROM privacy_level_1 AS c
    ARRAY JOIN arrayMap(minis_k -> c.lo + minis_k, range(toInt64(c.hi - c.lo + 1))) AS g__d
  ) AS c
  WHERE
    c.shown
  UNION DISTINCT
  SELECT
    c.only_os AS os,
    CAST(g__d AS Nullable(DATE)) AS d
  FROM (
    SELECT
      *,
      g__d
    FROM privacy_level_1 AS c
    ARRAY JOIN arrayMap(minis_k -> c.lo + minis_k, range(toInt64(c.hi - c.lo + 1))) AS g__d
  ) AS c
  WHERE
    c.shown AND c.os = '*' AND NOT (
      c.only_os IS NULL
    )
  UNION DISTINCT
  SELECT
    c.os AS os,
    CAST(g__d AS Nullable(DATE)) AS d
  FROM (
    SELECT
      *,
      g__d
    FROM privacy_level_2 AS c
    ARRAY JOIN arrayMap(minis_k -> c.lo + minis_k, range(toInt64(c.hi - c.lo + 1))) AS g__d
  ) AS c
  WHERE
    c.shown
  UNION DISTINCT
  SELECT
    c.only_os AS os,
    CAST(g__d AS Nullable(DATE)) AS d
  FROM (
    SELECT
      *,
      g__d
    FROM privacy_level_2 AS c
    ARRAY JOIN arrayMap(minis_k -> c.lo + minis_k, range(toInt64(c.hi - c.lo + 1))) AS g__d
  ) AS c
  WHERE
    c.shown AND c.os = '*' AND NOT (
      c.only_os IS NULL
    )
), privacy_regions_3 AS MATERIALIZED (
  SELECT
    d,
    level AS rlevel,
    lo AS rlo
  FROM (
    SELECT
      c.level AS level,
      c.lo AS lo,
      CAST(g__d AS Nullable(DATE)) AS d
    FROM (
      SELECT
        *,
        g__d
      FROM privacy_level_0 AS c
      ARRAY JOIN arrayMap(minis_k -> c.lo + minis_k, range(toInt64(c.hi - c.lo + 1))) AS g__d
    ) AS c
    WHERE
      c.shown AND c.os = '*'
    UNION ALL
    SELECT
      c.level AS level,
      c.lo AS lo,
      CAST(g__d AS Nullable(DATE)) AS d
    FROM (
      SELECT
        *,
        g__d
      FROM privacy_level_1 AS c
      ARRAY JOIN arrayMap(minis_k -> c.lo + minis_k, range(toInt64(c.hi - c.lo + 1))) AS g__d
    ) AS c
    WHERE
      c.shown AND c.os = '*'
    UNION ALL
    SELECT
      c.level AS level,
      c.lo AS lo,
      CAST(g__d AS Nullable(DATE)) AS d
    FROM (
      SELECT
        *,
        g__d
      FROM privacy_level_2 AS c
      ARRAY JOIN arrayMap(minis_k -> c.lo + minis_k, range(toInt64(c.hi - c.lo + 1))) AS g__d
    ) AS c
    WHERE
      c.shown AND c.os = '*'
  ) AS x
  ORDER BY
    d,
    level
  LIMIT 1 BY d
), privacy_small_atoms_3 AS MATERIALIZED (
  SELECT DISTINCT
    os,
    lo
  FROM (
    SELECT
      r.os AS os,
      r.d - (
        (
          (
            r.d - CAST('2024-01-01' AS Nullable(DATE))
          ) % 84 + 84
        ) % 84
      ) AS lo,
      toInt64(COUNT(DISTINCT r.u)) AS users
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
            r.d - CAST('2024-01-01' AS Nullable(DATE))
          ) % 84 + 84
        ) % 84
      ),
      COALESCE(g.rlevel, -1),
      COALESCE(
        g.rlo,
        r.d - (
          (
            (
              r.d - CAST('2024-01-01' AS Nullable(DATE))
            ) % 84 + 84
          ) % 84
        )
      )
  ) AS t
  WHERE
    users < {p10: Nullable(Int32)}
), privacy_candidates_3 AS MATERIALIZED (
  SELECT
    os,
    3 AS level,
    lo,
    lo + 83 AS hi,
    users,
    remainder,
    only_os,
    (
      users >= {p10: Nullable(Int32)}
      AND (
        remainder IS NULL OR remainder = 0 OR remainder >= {p10: Nullable(Int32)}
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
      r.os AS os,
      r.d - (
        (
          (
            r.d - CAST('2024-01-01' AS Nullable(DATE))
          ) % 84 + 84
        ) % 84
      ) AS lo,
      toInt64(COUNT(DISTINCT r.u)) AS users,
      toInt64(COUNT(DISTINCT r.u) FILTER(WHERE
        v.d IS NULL)) AS remainder,
      CASE WHEN toInt64(COUNT(DISTINCT r.real_os)) = 1 THEN MIN(r.real_os) END AS only_os
    FROM privacy_keyed AS r
    LEFT JOIN privacy_covered_3 AS v
      ON v.os = r.os AND v.d = r.d
    GROUP BY
      r.os,
      r.d - (
        (
          (
            r.d - CAST('2024-01-01' AS Nullable(DATE))
          ) % 84 + 84
        ) % 84
      )
  ) AS c
  WHERE
    lo + 83 <= {p11: Nullable(DATE)}
), privacy_level_3 AS MATERIALIZED (
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
      AND MAX(CASE WHEN os = '*' THEN CAST(passes AS Nullable(Int32)) ELSE 0 END) OVER (PARTITION BY lo) = 1
      AND SUM(CASE WHEN os <> '*' AND passes THEN 1 ELSE 0 END) OVER (PARTITION BY lo) = 2
    END AS shown
  FROM privacy_candidates_3
), privacy_cells AS MATERIALIZED (
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
  SELECT
    c.os AS os,
    CAST(g__d AS Nullable(DATE)) AS day,
    c.lo AS clo,
    c.hi AS chi
  FROM (
    SELECT
      *,
      g__d
    FROM privacy_cells AS c
    ARRAY JOIN arrayMap(minis_k -> c.lo + minis_k, range(toInt64(c.hi - c.lo + 1))) AS g__d
  ) AS c
  WHERE
    c.shown
  ORDER BY
    c.os,
    CAST(g__d AS Nullable(DATE)),
    c.level
  LIMIT 1 BY c.os, CAST(g__d AS Nullable(DATE))
), firsts_0 AS MATERIALIZED (
  SELECT
    first_day,
    toInt64(COUNT(*)) AS users
  FROM (
    SELECT
      r.user_id AS uid,
      MIN(
        CASE
          WHEN has({p9: Array(Nullable(String))}, r.region)
          THEN p.chi
          ELSE r.minis_day
        END
      ) AS first_day
    FROM rows_sessions_0 AS r
    LEFT JOIN privacy_days AS p
      ON p.day = r.minis_day AND p.os = {p7: Nullable(String)}
    GROUP BY
      r.user_id
  ) AS u
  WHERE
    NOT (
      first_day IS NULL
    )
  GROUP BY
    first_day
), agg_0 AS MATERIALIZED (
  SELECT
    g.grain_id AS grain_id,
    CAST(SUM(f.users) AS Nullable(Int64)) AS m_sessions_total_users
  FROM grains AS g
  JOIN firsts_0 AS f
    ON f.first_day <= g.hi
  GROUP BY
    g.grain_id
), rows_sessions_2 AS MATERIALIZED (
  SELECT
    *,
    CAST(toTimeZone(t.started_at, 'UTC') AS Nullable(DATE)) AS minis_day
  FROM launches AS t FINAL
  WHERE
    (
      (
        (
          (
            t.app_id = {p5: Nullable(String)} AND t.success
          )
          AND t.started_at >= toDateTime64({p12: Nullable(DATE)}, 6, 'UTC')
        )
        AND t.started_at < toDateTime64({p6: Nullable(DATE)} + 1, 6, 'UTC')
      )
      AND t.os = {p7: Nullable(String)}
    )
    AND has({p8: Array(Nullable(String))}, t.region)
), grain_days AS MATERIALIZED (
  SELECT
    g.grain_id AS grain_id,
    g.lo + s__i AS day,
    COALESCE(
      ARRAY_AGG(p.os) FILTER(WHERE
        NOT (
          p.os IS NULL
        )),
      CAST([] AS Array(Nullable(String)))
    ) AS shown
  FROM (
    SELECT
      *,
      s__i
    FROM grains AS g
    ARRAY JOIN range(toInt64(0), toInt64(g.hi - g.lo) + 1) AS s__i
  ) AS g
  LEFT JOIN privacy_days AS p
    ON p.day = g.lo + s__i AND p.clo >= g.lo AND p.chi <= g.hi
  GROUP BY
    g.grain_id,
    g.lo,
    s__i
), agg_1 AS MATERIALIZED (
  SELECT
    g.grain_id AS grain_id,
    toInt64(COUNT(DISTINCT r.user_id)) AS m_sessions_users,
    SUM(r.duration_ms) AS m_sessions_duration_ms
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_sessions_2 AS r
    ON r.minis_day = gd.day
    AND (
      NOT has({p9: Array(Nullable(String))}, r.region)
      OR has(gd.shown, {p7: Nullable(String)})
    )
  GROUP BY
    g.grain_id
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
), rows_first_sessions_3 AS MATERIALIZED (
  SELECT
    *
  FROM first_rows_sessions AS t
  WHERE
    (
      (
        t.started_at >= toDateTime64({p12: Nullable(DATE)}, 6, 'UTC')
        AND t.started_at < toDateTime64({p6: Nullable(DATE)} + 1, 6, 'UTC')
      )
      AND t.os = {p7: Nullable(String)}
    )
    AND has({p8: Array(Nullable(String))}, t.region)
), agg_2 AS MATERIALIZED (
  SELECT
    g.grain_id AS grain_id,
    toInt64(COUNT(DISTINCT r.user_id)) AS m_first_sessions_users
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_first_sessions_3 AS r
    ON r.minis_day = gd.day
    AND (
      NOT has({p9: Array(Nullable(String))}, r.region)
      OR has(gd.shown, {p7: Nullable(String)})
    )
  GROUP BY
    g.grain_id
), per_user_3 AS MATERIALIZED (
  SELECT
    g.grain_id AS grain_id,
    r.user_id AS uid,
    toInt64(COUNT(*)) AS v
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_sessions_2 AS r
    ON r.minis_day = gd.day
    AND (
      NOT has({p9: Array(Nullable(String))}, r.region)
      OR has(gd.shown, {p7: Nullable(String)})
    )
  GROUP BY
    g.grain_id,
    r.user_id
), agg_3 AS MATERIALIZED (
  SELECT
    per_user_3.grain_id AS grain_id,
    toInt64(COUNT(*) FILTER(WHERE
      v >= 2.0)) AS m_sessions_repeat_users
  FROM per_user_3
  GROUP BY
    per_user_3.grain_id
)
SELECT
  g.grain_id AS grain_id,
  g.grain_day AS grain_day,
  (
    SELECT
      arraySort(groupArray(d.day))
    FROM grain_days AS d
    WHERE
      d.grain_id = g.grain_id AND has(d.shown, {p7: Nullable(String)})
  ) AS shown_days,
  (
    SELECT
      arraySort(groupArray(p.day))
    FROM privacy_days AS p
    WHERE
      p.os = {p7: Nullable(String)} AND p.chi <= g.hi
  ) AS shown_till,
  CAST(COALESCE(agg_0.m_sessions_total_users, 0) AS Nullable(Float64)) AS total_users,
  CAST(COALESCE(agg_1.m_sessions_users, 0) AS Nullable(Float64)) AS active_users,
  CAST(COALESCE(agg_2.m_first_sessions_users, 0) AS Nullable(Float64)) AS new_users,
  CAST(COALESCE(agg_3.m_sessions_repeat_users, 0) AS Nullable(Float64)) AS repeat_users,
  CAST(CAST(COALESCE(agg_1.m_sessions_duration_ms, 0) AS Nullable(Float64)) / nullIf(COALESCE(agg_1.m_sessions_users, 0), 0) AS Nullable(Float64)) AS avg_duration_per_user,
  g.grain_id AS minis_outer_0,
  g.hi AS minis_outer_1
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
