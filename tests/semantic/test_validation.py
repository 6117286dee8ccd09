from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from semantic.loader import validate_directory

# A small valid model; each case adds models/test.yml to it and expects exactly its issues.
BASE = """
dimensions:
  os: {label: OS, values: [ios, android]}
  region: {label: Region}
  placement_id: {label: Placement}
filters:
  os: {dimension: os, label: OS}
  regions: {dimension: region, multiple: true, label: Regions}
  user_type: {user_type: sessions, label: User type}
  include_first_day: {parameter: boolean, default: true, label: Include first day}
sources:
  sessions:
    table: launches
    where: success
    time: started_at
    key: launch_id
    dimensions: [os, region]
    measures:
      sessions: {agg: count}
      users: {agg: count_distinct, expr: user_id}
      duration_ms: {agg: sum, expr: duration_ms}
  first_sessions:
    first_of: sessions
    measures:
      users: {agg: count_distinct, expr: user_id}
  spend:
    table: feed_ad_spend
    time: day
    time_is_date: true
    key: campaign_id
    user: null
    dimensions: [region]
    measures:
      usd: {agg: sum, expr: spend_usd}
segments:
  new_users: {source: first_sessions}
metrics:
  active_users: {label: Active, unit: users, measure: sessions.users, description: D.}
  new_users: {label: New, unit: users, measure: first_sessions.users, description: D.}
  sessions: {label: Sessions, unit: sessions, measure: sessions.sessions, description: D.}
  duration: {label: Duration, unit: ms, measure: sessions.duration_ms, description: D.}
  ad_spend: {label: Spend, unit: usd, measure: spend.usd, description: D.}
modules:
  - {id: overview, kinds: [game], label: Overview, description: D., metrics: [active_users]}
"""

METRIC = "label: M, unit: users, description: D."
MODULE = "label: M, description: D."
VIEW = "label: V, description: D."


def issues_of(tmp_path: Path, snippet: str | None) -> list[str]:
    models = tmp_path / "models"
    models.mkdir()
    (models / "base.yml").write_text(BASE)
    if snippet is not None:
        (models / "test.yml").write_text(textwrap.dedent(snippet).lstrip("\n"))
    return validate_directory(models).lines()


def test_the_base_model_is_valid(tmp_path: Path) -> None:
    assert issues_of(tmp_path, None) == []


CASES: dict[str, tuple[str, str]] = {
    # rule unknown_references, one case per kind of name
    "unknown measure": (
        f"""
        metrics:
          m: {{{METRIC}, measure: sessions.user}}
        """,
        "2: metric m uses unknown measure sessions.user; did you mean sessions.users?",
    ),
    "unknown source of a measure": (
        f"""
        metrics:
          m: {{{METRIC}, numerator: sesions.users, denominator: active_users}}
        """,
        "2: metric m uses measure sesions.users of unknown source sesions; did you mean sessions?",
    ),
    "measure without source": (
        f"""
        metrics:
          m: {{{METRIC}, measure: duration_ms}}
        """,
        "2: metric m uses measure duration_ms, which must be written source.measure; "
        "did you mean sessions.duration_ms?",
    ),
    "unknown metric": (
        f"""
        modules:
          - {{id: m, kinds: [game, drama], {MODULE}, metrics: [active_user]}}
        """,
        "2: module m (game, drama) uses unknown metric active_user; did you mean active_users?",
    ),
    "unknown dimension": (
        """
        sources:
          s: {first_of: sessions, dimensions: [regoin]}
        """,
        "2: source s uses unknown dimension regoin; did you mean region?",
    ),
    "unknown segment": (
        """
        sources:
          s:
            first_of: sessions
            measures:
              x: {agg: count, members: new_user}
        """,
        "5: measure s.x uses unknown segment new_user; did you mean new_users?",
    ),
    "unknown filter": (
        """
        modules:
          - id: m
            kinds: [game]
            label: M
            description: D.
            filters: [os, region]
            metrics: [active_users]
        """,
        "6: module m (game) uses unknown filter region; did you mean regions?",
    ),
    "unknown source": (
        """
        filters:
          t: {user_type: session, label: T}
        """,
        "2: filter t uses unknown source session; did you mean sessions?",
    ),
    # rule repeated_names
    "a list names a thing twice": (
        f"""
        modules:
          - {{id: m, kinds: [game], {MODULE}, metrics: [sessions, sessions]}}
        """,
        "2: module m (game) lists metric sessions twice",
    ),
    # shape rules
    "expr missing": (
        """
        sources:
          s:
            first_of: sessions
            measures: {x: {agg: sum}}
        """,
        "4: measure s.x: agg sum needs an expr to aggregate",
    ),
    "expr on count": (
        """
        sources:
          s:
            first_of: sessions
            measures: {x: {agg: count, expr: user_id}}
        """,
        "4: measure s.x: agg count takes no expr (count rows with a where, or use count_distinct)",
    ),
    "percentile out of range": (
        """
        sources:
          s:
            first_of: sessions
            measures:
              p: {agg: percentile, expr: duration_ms, percentile: 90}
        """,
        "5: measure s.p: percentile must be between 0 and 1 (exclusive), not 90",
    ),
    "percentile missing": (
        """
        sources:
          s:
            first_of: sessions
            measures:
              p: {agg: percentile, expr: duration_ms}
        """,
        "5: measure s.p: agg percentile needs a percentile between 0 and 1, e.g. 0.9",
    ),
    "weight missing": (
        """
        sources:
          s:
            first_of: sessions
            measures:
              w: {agg: weighted_avg, expr: launch_ms}
        """,
        "5: measure s.w: agg weighted_avg needs a weight",
    ),
    "weight elsewhere": (
        """
        sources:
          s:
            first_of: sessions
            measures:
              w: {agg: avg, expr: launch_ms, weight: duration_ms}
        """,
        "5: measure s.w: weight is only for agg weighted_avg",
    ),
    "per_user_min without per_user": (
        """
        sources:
          s:
            first_of: sessions
            measures:
              r: {agg: count, per_user_min: 2}
        """,
        "5: measure s.r: per_user_min needs per_user (the per-user value it is compared with)",
    ),
    "to_reporting_day without members": (
        """
        sources:
          s:
            first_of: sessions
            measures:
              r: {agg: count, window: to_reporting_day}
        """,
        "5: measure s.r: window to_reporting_day needs members (the segment whose days "
        "it starts from)",
    ),
    "segment window": (
        """
        segments:
          g: {source: sessions, window: to_reporting_day}
        """,
        "2: segment g: window must be range or cumulative",
    ),
    "metric with two definitions": (
        f"""
        metrics:
          m: {{{METRIC}, measure: sessions.users, expr: sessions / 2}}
        """,
        "2: metric m needs exactly one of measure, numerator with denominator, or expr "
        "(it has measure and expr)",
    ),
    "metric with no definition": (
        f"""
        metrics:
          m: {{{METRIC}}}
        """,
        "2: metric m needs exactly one of measure, numerator with denominator, or expr",
    ),
    "numerator without denominator": (
        f"""
        metrics:
          m: {{{METRIC}, numerator: sessions}}
        """,
        "2: metric m has a numerator but no denominator",
    ),
    "source without table": (
        """
        sources:
          s: {time: started_at}
        """,
        "2: source s needs exactly one of table, first_of",
    ),
    "table source without time": (
        """
        sources:
          s: {table: launches, key: launch_id}
        """,
        "2: source s reads table launches but has no time column",
    ),
    "negative within_days": (
        """
        sources:
          s:
            first_of: sessions
            requires: [{source: sessions, within_days: -1}]
        """,
        "4: source s: requires: within_days must not be negative",
    ),
    "parameter default": (
        """
        filters:
          p: {parameter: [a, b], default: c, label: P}
        """,
        "2: filter p: default c is not one of a, b",
    ),
    # expression rules
    "invalid SQL": (
        """
        segments:
          g: {source: sessions, where: "duration_ms >"}
        """,
        "2: segment g: where is not a valid SQL expression: duration_ms >",
    ),
    "unknown column": (
        """
        sources:
          s:
            first_of: sessions
            measures: {x: {agg: count, where: sucess}}
        """,
        "4: measure s.x: where reads unknown column sucess of table launches; "
        "did you mean success?",
    ),
    "unknown parameter": (
        """
        segments:
          g: {source: sessions, where: ":include_first OR success"}
        """,
        "2: segment g: where reads :include_first, which is not a parameter filter; "
        "did you mean include_first_day?",
    ),
    "subquery": (
        """
        segments:
          g: {source: sessions, where: "user_id IN (SELECT user_id FROM orders)"}
        """,
        "2: segment g: where must not contain a subquery: user_id IN (SELECT user_id FROM orders)",
    ),
    "unknown table": (
        """
        sources:
          s: {table: launch, time: started_at, key: launch_id}
        """,
        "2: source s reads unknown table launch; did you mean launches?",
    ),
    "unknown time column": (
        """
        sources:
          s: {table: launches, time: start_at, key: launch_id}
        """,
        "2: source s: time column start_at is not a column of table launches; "
        "did you mean started_at?",
    ),
    "funnel step column": (
        f"""
        modules:
          - id: f
            kinds: [drama]
            label: M
            description: D.
            funnel:
              {{name: steps, {VIEW}, source: sessions, step_column: steps, steps: [{{id: a,
                label: A}}]}}
        """,
        "6: funnel steps of module f (drama): step_column steps is not a column of table launches",
    ),
    "derived expression with a function": (
        f"""
        metrics:
          m: {{{METRIC}, expr: "coalesce(sessions, 0)"}}
        """,
        "2: metric m: expr may only combine metrics, source.measure, constants and "
        "numbers with + - * / and parentheses, not COALESCE(sessions, 0)",
    ),
    "derived expression with an unknown name": (
        f"""
        metrics:
          m: {{{METRIC}, expr: sessions / active_user}}
        """,
        "2: metric m: expr uses unknown metric or constant active_user; did you mean active_users?",
    ),
    "derived expression with an unknown measure": (
        f"""
        metrics:
          m: {{{METRIC}, expr: sessions.user * 2}}
        """,
        "2: metric m: expr uses unknown measure sessions.user; did you mean sessions.users?",
    ),
    "constant named like a metric": (
        """
        config:
          constants: {sessions: 2}
        """,
        "base.yml:40: metric sessions has the name of a config constant; rename one of them",
    ),
    # cycles
    "metric cycle": (
        f"""
        metrics:
          a: {{{METRIC}, numerator: b, denominator: sessions}}
          b: {{{METRIC}, expr: a * 2}}
        """,
        "2: metric a depends on itself: a -> b -> a",
    ),
    "first_of cycle": (
        """
        sources:
          a: {first_of: b}
          b: {first_of: a}
        """,
        "2: source a depends on itself: a -> b -> a",
    ),
    # module rules
    "empty module": (
        f"""
        modules:
          - {{id: m, kinds: [game], {MODULE}}}
        """,
        "2: module m (game) shows nothing; give it metrics, retention, distribution, "
        "funnel or tables",
    ),
    "retention default cohort": (
        """
        modules:
          - id: r
            kinds: [game]
            label: M
            description: D.
            retention:
              name: rate
              label: V
              description: D.
              activity: sessions
              cohorts: {NEW: first_sessions, ACTIVE: sessions}
              default_cohort: NEWW
              periods: [1, 7]
        """,
        "6: retention rate of module r (game): default_cohort NEWW is not one of its "
        "cohorts (NEW, ACTIVE); did you mean NEW?",
    ),
    "retention periods": (
        f"""
        modules:
          - id: r
            kinds: [game]
            label: M
            description: D.
            retention:
              {{name: rate, {VIEW}, activity: sessions, cohorts: {{NEW: first_sessions}},
               default_cohort: NEW, periods: [0, 7]}}
        """,
        "6: retention rate of module r (game): periods must be positive numbers of days, not 0",
    ),
    "table order_by": (
        """
        modules:
          - id: t
            kinds: [game]
            label: M
            description: D.
            tables:
              - name: top
                label: V
                description: D.
                source: sessions
                group_by: [os]
                columns: [{name: sessions, label: S, agg: count, unit: sessions}]
                order_by: session
        """,
        "7: table top of module t (game): order_by session is not one of its columns "
        "(sessions); did you mean sessions?",
    ),
    "table limits": (
        f"""
        modules:
          - id: t
            kinds: [game]
            label: M
            description: D.
            tables:
              - {{name: top, {VIEW}, source: sessions, group_by: [os], order_by: n,
                  columns: [{{name: n, label: N, agg: count}}], default_limit: 20, max_limit: 10}}
        """,
        "7: table top of module t (game): default_limit 20 is more than max_limit 10",
    ),
    "funnel steps repeated": (
        """
        modules:
          - id: f
            kinds: [drama]
            label: M
            description: D.
            funnel:
              name: steps
              label: V
              description: D.
              source: sessions
              step_column: entry_source
              steps: [{id: a, label: A}, {id: a, label: B}]
        """,
        "6: funnel steps of module f (drama) lists step a twice",
    ),
    "funnel without steps": (
        f"""
        modules:
          - id: f
            kinds: [drama]
            label: M
            description: D.
            funnel: {{name: steps, {VIEW}, source: sessions, step_column: os, steps: []}}
        """,
        "6: funnel steps of module f (drama) has no steps",
    ),
    # fit rules
    "filter on a source without the dimension": (
        """
        modules:
          - id: m
            kinds: [game]
            label: M
            description: D.
            filters: [os]
            metrics: [ad_spend]
        """,
        "6: module m (game) filters by os but metric ad_spend reads spend, which has no "
        "dimension os",
    ),
    "breakdown on a source without the dimension": (
        f"""
        metrics:
          per_user: {{label: P, unit: usd, description: D., numerator: ad_spend,
                      denominator: active_users}}
        modules:
          - {{id: m, kinds: [game], {MODULE}, metrics: [per_user], dimensions: [os]}}
        """,
        "5: module m (game) breaks down by os but metric per_user reads spend, which has "
        "no dimension os",
    ),
    "user type filter on a source without users": (
        f"""
        modules:
          - {{id: m, kinds: [game], {MODULE}, metrics: [ad_spend], filters: [user_type]}}
        """,
        "2: module m (game) filters by user_type but metric ad_spend reads spend, which "
        "has no user column",
    ),
    "distribution dimension": (
        f"""
        modules:
          - id: d
            kinds: [game]
            label: M
            description: D.
            distribution: {{name: who, {VIEW}, source: sessions, dimensions: [placement_id]}}
        """,
        "6: distribution who of module d (game) breaks down by placement_id but sessions "
        "has no dimension placement_id",
    ),
    "segment of a source without users": (
        """
        segments:
          g: {source: spend}
        """,
        "2: segment g is a set of users, but source spend has no user column",
    ),
    "ratio unit": (
        f"""
        metrics:
          r: {{{METRIC}, numerator: duration, denominator: active_users}}
        """,
        "2: ratio metric r divides ms by users; its unit must be ms, not users",
    ),
    "ratio without a unit": (
        f"""
        metrics:
          r: {{{METRIC}, numerator: duration, denominator: ad_spend}}
        """,
        "2: ratio metric r divides ms by usd; its denominator must have the unit ms or "
        "count things (users, sessions, launches, orders, events, reports, calls)",
    ),
    "privacy source without region": (
        """
        config:
          privacy: {source: sessions, region_dimension: placement_id}
        """,
        "2: config privacy: source sessions has no dimension placement_id to count users by",
    ),
}


@pytest.mark.parametrize(("snippet", "expected"), CASES.values(), ids=CASES.keys())
def test_rule(tmp_path: Path, snippet: str, expected: str) -> None:
    where = "models/" if expected.startswith("base.yml") else "models/test.yml:"
    assert issues_of(tmp_path, snippet) == [where + expected]
