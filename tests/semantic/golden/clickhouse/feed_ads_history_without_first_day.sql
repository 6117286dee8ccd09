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
), rows_paid_acquisitions_0 AS MATERIALIZED (
  SELECT
    *,
    EXISTS(
      SELECT
        1
      FROM feed_ad_clicks AS o FINAL
      WHERE
        o.app_id = {p5: Nullable(String)}
        AND o.user_id = t.user_id
        AND o.clicked_at <= t.started_at
        AND o.clicked_at >= t.started_at - INTERVAL '30' DAY
        AND CAST(toTimeZone(o.clicked_at, 'UTC') AS Nullable(DATE)) = CAST(toTimeZone(t.started_at, 'UTC') AS Nullable(DATE))
    ) AS first_day
  FROM first_rows_sessions AS t
  WHERE
    (
      t.started_at >= toDateTime64({p6: Nullable(DATE)}, 6, 'UTC')
      AND t.started_at < toDateTime64({p7: Nullable(DATE)} + 1, 6, 'UTC')
    )
    AND EXISTS(
      SELECT
        1
      FROM feed_ad_clicks AS o FINAL
      WHERE
        o.app_id = {p5: Nullable(String)}
        AND o.user_id = t.user_id
        AND o.clicked_at <= t.started_at
        AND o.clicked_at >= t.started_at - INTERVAL '30' DAY
    )
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
      AND t.started_at >= toDateTime64({p9: Nullable(DATE)}, 6, 'UTC')
    )
    AND t.started_at < toDateTime64({p9: Nullable(DATE)} + 1, 6, 'UTC')
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
), segment_history_activated AS MATERIALIZED (
  SELECT
    g.grain_id AS grain_id,
    g.lo AS lo,
    g.hi AS hi,
    s.user_id AS uid,
    MIN(s.minis_day) AS member_day
  FROM grains AS g
  JOIN grain_days AS gd
    ON gd.grain_id = g.grain_id
  JOIN rows_paid_acquisitions_0 AS s
    ON s.minis_day = gd.day AND (
      {p8: Nullable(Bool)} OR NOT s.first_day
    )
  WHERE
    EXISTS(
      SELECT
        1
      FROM rows_sessions_1 AS a
      WHERE
        a.user_id = s.user_id
    )
  GROUP BY
    g.grain_id,
    g.lo,
    g.hi,
    s.user_id
), rows_paid_acquisitions_2 AS MATERIALIZED (
  SELECT
    *,
    EXISTS(
      SELECT
        1
      FROM feed_ad_clicks AS o FINAL
      WHERE
        o.app_id = {p5: Nullable(String)}
        AND o.user_id = t.user_id
        AND o.clicked_at <= t.started_at
        AND o.clicked_at >= t.started_at - INTERVAL '30' DAY
        AND CAST(toTimeZone(o.clicked_at, 'UTC') AS Nullable(DATE)) = CAST(toTimeZone(t.started_at, 'UTC') AS Nullable(DATE))
    ) AS first_day
  FROM first_rows_sessions AS t
  WHERE
    (
      t.started_at >= toDateTime64({p6: Nullable(DATE)}, 6, 'UTC')
      AND t.started_at < toDateTime64({p7: Nullable(DATE)} + 1, 6, 'UTC')
    )
    AND EXISTS(
      SELECT
        1
      FROM feed_ad_clicks AS o FINAL
      WHERE
        o.app_id = {p5: Nullable(String)}
        AND o.user_id = t.user_id
        AND o.clicked_at <= t.started_at
        AND o.clicked_at >= t.started_at - INTERVAL '30' DAY
    )
), agg_0 AS MATERIALIZED (
  SELECT
    m.grain_id AS grain_id,
    toInt64(COUNT(DISTINCT r.user_id)) AS m_paid_acquisitions_history_users
  FROM segment_history_activated AS m
  JOIN rows_paid_acquisitions_2 AS r
    ON r.user_id = m.uid AND r.minis_day BETWEEN m.lo AND m.hi
  GROUP BY
    m.grain_id
)
SELECT
  g.grain_id AS grain_id,
  g.grain_day AS grain_day,
  CAST([] AS Array(Nullable(DATE))) AS shown_days,
  CAST(COALESCE(agg_0.m_paid_acquisitions_history_users, 0) AS Nullable(Float64)) AS history_activated_users
FROM grains AS g
LEFT JOIN agg_0
  ON agg_0.grain_id = g.grain_id
ORDER BY
  g.grain_id;
-- parameters: [datetime.date(2026, 10, 11), datetime.date(2026, 10, 14), datetime.date(2026, 10, 7), datetime.date(2026, 10, 10), 'g1', datetime.date(2026, 10, 7), datetime.date(2026, 10, 14), False, datetime.date(2026, 10, 20)]
