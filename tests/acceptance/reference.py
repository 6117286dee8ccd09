"""Every metric of metrics.md computed directly in SQL, written from metrics.md alone.

This module deliberately shares nothing with semantic/ (no YAML, no compiler): it is the
independent computation the gateway's answers are checked against. Parameters of every
statement: $1 app, $2 start, $3 end, $4 reporting day, $5 os or NULL, $6 regions or NULL,
$7 extra text filter or NULL (placement type, payer type...), $8 extra list filter or NULL
(placements, domains), $9 include first-day activations.
"""

from __future__ import annotations

DAY = "((%s) AT TIME ZONE 'UTC')::date"


def day(column: str) -> str:
    return DAY % column


def passes(alias: str = "") -> str:
    """The os and region filters on a row's own os and region."""
    p = f"{alias}." if alias else ""
    return f"($5::text IS NULL OR {p}os = $5) AND ($6::text[] IS NULL OR {p}region = ANY($6))"


IN_RANGE = "BETWEEN $2::date AND $3::date"

# sessions of the app passing the filters, with their UTC day
SESSIONS = f"""
SELECT l.*, {day("l.started_at")} AS d FROM launches l
WHERE l.app_id = $1 AND l.success AND {passes("l")}
"""

# each user's first session ever (unfiltered), then filtered on its own os and region
FIRSTS = f"""
SELECT * FROM (
    SELECT DISTINCT ON (l.user_id) l.*, {day("l.started_at")} AS d FROM launches l
    WHERE l.app_id = $1 AND l.success ORDER BY l.user_id, l.started_at, l.launch_id
) f WHERE {passes("f")}
"""

ATTEMPTS = f"""
SELECT l.*, {day("l.started_at")} AS d FROM launches l WHERE l.app_id = $1 AND {passes("l")}
"""

PAYING = f"""
SELECT o.*, {day("o.created_at")} AS d FROM orders o
WHERE o.app_id = $1 AND o.order_type IN ('purchase', 'recharge') AND {passes("o")}
"""

# payer type of dramas: NEW payers' first paying order ever is in R, RETURNING paid before R
PAYER = f"""
(SELECT user_id, min({day("created_at")}) AS first_paid FROM orders
 WHERE app_id = $1 AND order_type IN ('purchase', 'recharge') GROUP BY user_id)
"""
PAYER_OK = """($7::text IS NULL
  OR ($7 = 'NEW' AND EXISTS (SELECT 1 FROM payer p WHERE p.user_id = o.user_id
                              AND p.first_paid BETWEEN $2 AND $3))
  OR ($7 = 'RETURNING' AND EXISTS (SELECT 1 FROM payer p WHERE p.user_id = o.user_id
                                    AND p.first_paid < $2)))"""

ADS = f"""
SELECT a.*, {day("a.occurred_at")} AS d FROM ad_events a
WHERE a.app_id = $1 AND {passes("a")}
  AND ($7::text IS NULL OR a.placement_type = $7)
  AND ($8::text[] IS NULL OR a.placement_id = ANY($8))
"""

NET = f"""
SELECT n.*, {day("n.occurred_at")} AS d FROM network_calls n
WHERE n.app_id = $1 AND {passes("n")} AND ($8::text[] IS NULL OR n.domain = ANY($8))
"""

RUNTIME = f"""
SELECT r.*, {day("r.reported_at")} AS d FROM runtime_reports r WHERE r.app_id = $1 AND {passes("r")}
"""

CARDS = f"""
SELECT c.*, {day("c.occurred_at")} AS d FROM feed_card_events c
WHERE c.app_id = $1 AND {passes("c")}
"""

SPEND = """
SELECT * FROM feed_ad_spend s WHERE s.app_id = $1 AND ($6::text[] IS NULL OR s.region = ANY($6))
"""

# paid-acquired users: first session at or after a paid click and at most 30 days after it;
# the region filter applies to the first session
ACQUIRED = f"""
SELECT f.user_id, f.d AS activation_day, bool_or({day("c.clicked_at")} = f.d) AS first_day
FROM (
    SELECT DISTINCT ON (l.user_id) l.*, {day("l.started_at")} AS d FROM launches l
    WHERE l.app_id = $1 AND l.success ORDER BY l.user_id, l.started_at, l.launch_id
) f
JOIN feed_ad_clicks c ON c.app_id = $1 AND c.user_id = f.user_id
    AND c.clicked_at <= f.started_at AND f.started_at <= c.clicked_at + interval '30 days'
WHERE ($6::text[] IS NULL OR f.region = ANY($6))
GROUP BY f.user_id, f.d
"""


def revenue(users: str, lo: str, hi: str) -> str:
    """Paid revenue (USD) of a set of users over days [lo, hi]: ad revenue + Beans * 0.01."""
    return f"""(
      (SELECT coalesce(sum(a.revenue_usd), 0) FROM ad_events a
       WHERE a.app_id = $1 AND a.user_id IN (SELECT user_id FROM {users})
         AND {day("a.occurred_at")} BETWEEN {lo} AND {hi})
    + (SELECT coalesce(sum(o.beans), 0) FROM orders o
       WHERE o.app_id = $1 AND o.order_type IN ('purchase', 'recharge')
         AND o.user_id IN (SELECT user_id FROM {users})
         AND {day("o.created_at")} BETWEEN {lo} AND {hi}) * 0.01)"""


def ratio(numerator: str, denominator: str) -> str:
    return f"(({numerator})::float8 / NULLIF(({denominator}), 0))"


# every parameter, typed, so that statements may leave some unused
PARAMS = (
    "params AS (SELECT $1::text, $2::date, $3::date, $4::date, $5::text, $6::text[],"
    " $7::text, $8::text[], $9::bool),"
)


def q(body: str, *, ctes: str = "") -> str:
    return f"WITH {PARAMS} {ctes} dummy AS (SELECT 1) SELECT ({body})::float8"


S = f"s AS ({SESSIONS}),"
SR = f"s AS ({SESSIONS}), sr AS (SELECT * FROM s WHERE d {IN_RANGE}),"
FR = f"fr AS (SELECT * FROM ({FIRSTS}) f WHERE d {IN_RANGE}),"
ORR = f"payer AS {PAYER}, o AS (SELECT o.* FROM ({PAYING}) o WHERE d {IN_RANGE} AND {PAYER_OK}),"
ALL_ORDERS = (
    f"payer AS {PAYER}, o AS (SELECT o.*, {day('o.created_at')} AS d FROM orders o"
    f" WHERE o.app_id = $1 AND {passes('o')} AND {day('o.created_at')} {IN_RANGE}"
    f" AND {PAYER_OK}),"
)
AR = f"a AS (SELECT * FROM ({ADS}) x WHERE d {IN_RANGE}),"
NR = f"n AS (SELECT * FROM ({NET}) x WHERE d {IN_RANGE}),"
RR = f"r AS (SELECT * FROM ({RUNTIME}) x WHERE d {IN_RANGE}),"
CR = f"c AS (SELECT * FROM ({CARDS}) x WHERE d {IN_RANGE}),"
ACQ = f"acq AS ({ACQUIRED}),"
FDA = (
    "fda AS (SELECT user_id, activation_day FROM acq WHERE first_day AND activation_day "
    f"{IN_RANGE}),"
)
HIST = (
    f"s_all AS (SELECT l.user_id FROM launches l WHERE l.app_id = $1 AND l.success"
    f" AND {day('l.started_at')} = $4::date),"
    f" hist AS (SELECT user_id FROM acq WHERE activation_day {IN_RANGE}"
    " AND user_id = ANY (ARRAY(SELECT user_id FROM s_all)) AND ($9::bool OR NOT first_day)),"
)
SP = f"sp AS (SELECT * FROM ({SPEND}) x WHERE day {IN_RANGE}),"

METRICS: dict[str, str] = {
    "total_users": q("SELECT count(DISTINCT user_id) FROM s WHERE d <= $3", ctes=S),
    "active_users": q("SELECT count(DISTINCT user_id) FROM sr", ctes=SR),
    "new_users": q("SELECT count(*) FROM fr", ctes=FR),
    "repeat_users": q(
        "SELECT count(*) FROM (SELECT user_id FROM sr GROUP BY user_id HAVING count(*) >= 2) x",
        ctes=SR,
    ),
    "launched_sessions": q("SELECT count(*) FROM sr", ctes=SR),
    "visit_count": q("SELECT count(*) FROM sr", ctes=SR),
    "avg_launched_sessions": q(
        ratio("SELECT count(*) FROM sr", "SELECT count(DISTINCT user_id) FROM sr"), ctes=SR
    ),
    "avg_visit_count": q(
        ratio("SELECT count(*) FROM sr", "SELECT count(DISTINCT user_id) FROM sr"), ctes=SR
    ),
    "avg_duration_per_user": q(
        ratio(
            "SELECT coalesce(sum(duration_ms), 0) FROM sr", "SELECT count(DISTINCT user_id) FROM sr"
        ),
        ctes=SR,
    ),
    "avg_duration_per_session": q(
        ratio("SELECT coalesce(sum(duration_ms), 0) FROM sr", "SELECT count(*) FROM sr"), ctes=SR
    ),
    "median_duration_per_user": q(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t) FROM"
        " (SELECT sum(duration_ms) AS t FROM sr GROUP BY user_id) x",
        ctes=SR,
    ),
    "median_duration_per_session": q(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) FROM sr", ctes=SR
    ),
    "effectively_active_users": q(
        "SELECT count(DISTINCT user_id) FROM sr WHERE duration_ms > 0", ctes=SR
    ),
    "launch_success_rate": q(
        ratio(
            f"SELECT count(*) FILTER (WHERE success) FROM ({ATTEMPTS}) x WHERE d {IN_RANGE}",
            f"SELECT count(*) FROM ({ATTEMPTS}) x WHERE d {IN_RANGE}",
        )
    ),
    "avg_launch_ms": q("SELECT avg(launch_ms) FROM sr", ctes=SR),
    "avg_first_launch_ms": q("SELECT avg(launch_ms) FROM fr", ctes=FR),
    "fps": q(
        ratio("SELECT sum(fps * sampled_ms) FROM r", "SELECT sum(sampled_ms) FROM r"), ctes=RR
    ),
    "stutter_rate": q(
        ratio("SELECT sum(stutter_ms) FROM r", "SELECT sum(sampled_ms) FROM r"), ctes=RR
    ),
    "report_count": q("SELECT count(*) FROM r", ctes=RR),
    "avg_request_latency_ms": q("SELECT avg(latency_ms) FROM n WHERE api = 'request'", ctes=NR),
    "request_error_rate": q(
        ratio(
            "SELECT count(*) FROM n WHERE api = 'request' AND NOT ok",
            "SELECT count(*) FROM n WHERE api = 'request'",
        ),
        ctes=NR,
    ),
    "avg_download_latency_ms": q(
        "SELECT avg(latency_ms) FROM n WHERE api = 'download_file'", ctes=NR
    ),
    "download_error_rate": q(
        ratio(
            "SELECT count(*) FROM n WHERE api = 'download_file' AND NOT ok",
            "SELECT count(*) FROM n WHERE api = 'download_file'",
        ),
        ctes=NR,
    ),
    "network_failures": q("SELECT count(*) FROM n WHERE NOT ok", ctes=NR),
    "paying_users": q("SELECT count(DISTINCT user_id) FROM o", ctes=ORR),
    "paying_user_rate": q(
        ratio("SELECT count(DISTINCT user_id) FROM o", "SELECT count(DISTINCT user_id) FROM sr"),
        ctes=ORR + SR,
    ),
    "repeat_paying_users": q(
        "SELECT count(*) FROM (SELECT user_id FROM o GROUP BY user_id HAVING count(*) >= 2) x",
        ctes=ORR,
    ),
    "repeat_paying_user_rate": q(
        ratio(
            "SELECT count(*) FROM (SELECT user_id FROM o GROUP BY user_id HAVING count(*) >= 2) x",
            "SELECT count(DISTINCT user_id) FROM sr",
        ),
        ctes=ORR + SR,
    ),
    "arppu": q(
        ratio("SELECT coalesce(sum(beans), 0) FROM o", "SELECT count(DISTINCT user_id) FROM o"),
        ctes=ORR,
    ),
    "ltv": q(
        ratio(
            "SELECT coalesce(sum(beans), 0) FROM orders WHERE app_id = $1"
            " AND order_type IN ('purchase', 'recharge') AND user_id IN (SELECT user_id FROM fr)"
            f" AND {day('created_at')} <= $4::date",
            "SELECT count(*) FROM fr",
        ),
        ctes=FR,
    ),
    "gmv": q("SELECT coalesce(sum(beans), 0) FROM o", ctes=ORR),
    "avg_gmv": q(
        ratio("SELECT coalesce(sum(beans), 0) FROM o", "SELECT count(*) FROM o"), ctes=ORR
    ),
    "total_orders": q("SELECT count(*) FROM o", ctes=ORR),
    "recharge_orders": q("SELECT count(*) FROM o WHERE order_type = 'recharge'", ctes=ALL_ORDERS),
    "redeem_orders": q("SELECT count(*) FROM o WHERE order_type = 'redeem'", ctes=ALL_ORDERS),
    "ad_requests": q("SELECT count(*) FROM a WHERE event = 'request'", ctes=AR),
    "ad_impressions": q("SELECT count(*) FROM a WHERE event = 'impression'", ctes=AR),
    "ad_clicks": q("SELECT count(*) FROM a WHERE event = 'click'", ctes=AR),
    "ad_click_rate": q(
        ratio(
            "SELECT count(DISTINCT user_id) FROM a WHERE event = 'click'",
            "SELECT count(DISTINCT user_id) FROM a WHERE event = 'impression'",
        ),
        ctes=AR,
    ),
    "ecpm": q(
        ratio(
            "SELECT coalesce(sum(revenue_usd), 0) * 1000 FROM a",
            "SELECT count(*) FROM a WHERE event = 'impression'",
        ),
        ctes=AR,
    ),
    "ad_revenue": q("SELECT coalesce(sum(revenue_usd), 0) FROM a", ctes=AR),
    "display_failure_rate": q(
        ratio(
            "SELECT count(*) FROM a WHERE event = 'display_failure'",
            "SELECT count(*) FROM a WHERE event IN ('impression', 'display_failure')",
        ),
        ctes=AR,
    ),
    "load_failure_rate": q(
        ratio(
            "SELECT count(*) FROM a WHERE event = 'load_failure'",
            "SELECT count(*) FROM a WHERE event = 'request'",
        ),
        ctes=AR,
    ),
    "display_failures": q("SELECT count(*) FROM a WHERE event = 'display_failure'", ctes=AR),
    "ad_spend": q("SELECT coalesce(sum(spend_usd), 0) FROM sp", ctes=SP),
    "activated_users": q(f"SELECT count(*) FROM acq WHERE activation_day {IN_RANGE}", ctes=ACQ),
    "paid_revenue": q(
        revenue("(SELECT user_id FROM acq WHERE activation_day <= $3) x", "$2::date", "$3::date"),
        ctes=ACQ,
    ),
    "first_day_activated_users": q("SELECT count(*) FROM fda", ctes=ACQ + FDA),
    "activation_cost": q(
        ratio("SELECT coalesce(sum(spend_usd), 0) FROM sp", "SELECT count(*) FROM fda"),
        ctes=ACQ + FDA + SP,
    ),
    "first_day_paid_revenue": q(revenue("fda", "$2::date", "$3::date"), ctes=ACQ + FDA),
    "roi": q(
        ratio(revenue("fda", "$2::date", "$3::date"), "SELECT coalesce(sum(spend_usd), 0) FROM sp"),
        ctes=ACQ + FDA + SP,
    ),
    "arpu": q(
        ratio(revenue("fda", "$2::date", "$3::date"), "SELECT count(*) FROM fda"), ctes=ACQ + FDA
    ),
    "first_day_ecpm": q(
        ratio(
            revenue("fda", "$2::date", "$3::date") + " * 1000",
            "SELECT coalesce(sum(impressions), 0) FROM sp",
        ),
        ctes=ACQ + FDA + SP,
    ),
    "first_day_ltv": q(
        ratio(
            f"""
        (SELECT coalesce(sum(a.revenue_usd), 0) FROM ad_events a JOIN fda ON fda.user_id = a.user_id
         WHERE a.app_id = $1 AND {day("a.occurred_at")} BETWEEN fda.activation_day AND $4::date)
      + (SELECT coalesce(sum(o.beans), 0) FROM orders o JOIN fda ON fda.user_id = o.user_id
         WHERE o.app_id = $1 AND o.order_type IN ('purchase', 'recharge')
           AND {day("o.created_at")} BETWEEN fda.activation_day AND $4::date) * 0.01""",
            "SELECT count(*) FROM fda",
        ),
        ctes=ACQ + FDA,
    ),
    "history_activated_users": q("SELECT count(*) FROM hist", ctes=ACQ + HIST),
    "history_paid_revenue": q(revenue("hist", "$2::date", "$3::date"), ctes=ACQ + HIST),
    "history_ecpm": q(
        ratio(
            revenue("hist", "$2::date", "$3::date") + " * 1000",
            "SELECT coalesce(sum(impressions), 0) FROM sp",
        ),
        ctes=ACQ + HIST + SP,
    ),
    "card_impressions": q("SELECT count(*) FROM c WHERE event = 'impression'", ctes=CR),
    "card_clicks": q("SELECT count(*) FROM c WHERE event = 'click'", ctes=CR),
    "card_ctr": q(
        ratio(
            "SELECT count(DISTINCT user_id) FROM c WHERE event = 'click'",
            "SELECT count(DISTINCT user_id) FROM c WHERE event = 'impression'",
        ),
        ctes=CR,
    ),
}
METRICS["loading_success_rate"] = METRICS["launch_success_rate"]


# Retention rate over [$2, $3] (metrics.md "Retention"): cohort(D) is the users new on D (their
# first session ever, then filtered) or active on D; retained(D) those with any session on
# D + $8 days; only days with D + $8 on or before the reporting day count. $7: NEW or ACTIVE.
RETENTION = f"""
WITH cohort AS (
    SELECT DISTINCT s.d, s.user_id FROM ({SESSIONS}) s
    WHERE $7::text = 'ACTIVE' AND s.d {IN_RANGE}
    UNION
    SELECT f.d, f.user_id FROM ({FIRSTS}) f WHERE $7::text = 'NEW' AND f.d {IN_RANGE}
), active AS (
    SELECT DISTINCT user_id, {day("started_at")} AS d FROM launches
    WHERE app_id = $1 AND success
)
SELECT count(a.user_id)::float / nullif(count(*), 0)
FROM cohort c LEFT JOIN active a ON a.user_id = c.user_id AND a.d = c.d + $8::int
WHERE c.d + $8::int <= $4::date
"""


def distribution(column: str) -> str:
    """Users of [$2, $3] by the `column` of their latest session there (metrics.md "Profile"),
    narrowed by user type $7: NEW (first session ever in R, filtered on its own os and
    region), RETURNING (first day before R) or ALL."""
    return f"""
WITH latest AS (
    SELECT DISTINCT ON (s.user_id) s.user_id, s.{column} AS v FROM ({SESSIONS}) s
    WHERE s.d {IN_RANGE} AND $4::date IS NOT NULL  -- (every statement takes $4)
    ORDER BY s.user_id, s.started_at DESC, s.launch_id DESC
), first_days AS (
    SELECT user_id, min({day("started_at")}) AS d FROM launches
    WHERE app_id = $1 AND success GROUP BY user_id
)
SELECT v, count(*)::int AS users FROM latest l
WHERE $7::text = 'ALL'
   OR ($7 = 'NEW' AND l.user_id IN (SELECT f.user_id FROM ({FIRSTS}) f WHERE f.d {IN_RANGE}))
   OR ($7 = 'RETURNING' AND l.user_id IN (SELECT user_id FROM first_days WHERE d < $2::date))
GROUP BY v
"""
