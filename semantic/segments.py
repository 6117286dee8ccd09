"""Cumulative segments of first rows as one row per member, not one per grain and member.

A cumulative segment (`window: cumulative`) holds, for each grain, the users with a
qualifying row on or before the grain's last day. Built per grain, a member of the first
day is repeated in every grain after it: a 30-day series with its comparison holds each
member about 30 times, and the rows of the members are then joined to every copy.

When the segment's source is a `first_of` source (at most one row per user), each member
has one row, and so one first grain end from which it belongs: its *start*, the row's day for
an unprotected row, and for a protected one the end of the smallest shown cell of the
answer's os key holding the day (never, when no shown cell holds it). A member belongs to
every grain ending on or after its start, and its `member_day` is the row's day in each.
The measures over the members then join each row to its grains and the members by user,
keeping those whose start is by the grain's end. Segments of sources with several rows per
user, and answers with user-type filters (which judge members per grain), stay per grain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from semantic.model import MeasureRef, Segment, Window
from semantic.relations import DAY
from semantic.sqlparts import col

if TYPE_CHECKING:
    from semantic.measures import MeasureCompiler


def per_member(compiler: MeasureCompiler, segment: Segment) -> bool:
    """Whether `segment` is built one row per member for this answer."""
    source = compiler.statement.source(segment.source.name)
    return (
        segment.window is Window.CUMULATIVE
        and source.first_of is not None
        and not compiler.statement.user_type_filters()
    )


def member_starts(compiler: MeasureCompiler, segment: Segment) -> str:
    """CTE (uid[, bkey], start, member_day): each member once, with the first grain end it
    belongs to."""
    statement = compiler.statement
    name = f"members_{segment.name}"
    if name in statement.ctes:
        return name
    source = statement.source(segment.source.name)
    rows = statement.rows(source.name, lo=None, hi="span_hi", filtered=True)
    query, start = compiler.counted_from(rows, source, "s")
    conditions: list[exp.Expr] = [exp.not_(exp.Is(this=start.copy(), expression=exp.Null()))]
    where = compiler.condition(segment.where, "s")
    if where is not None:
        conditions.append(where)
    user = col(compiler.user_of(source), "s")
    if segment.active_on_reporting_day is not None:
        conditions.append(
            compiler.active_on_reporting_day(segment.active_on_reporting_day.name, user)
        )
    keys = compiler.key_of(source, "s")
    query = query.select(
        exp.alias_(user, "uid"),
        *[exp.alias_(k, "bkey") for k in keys],
        exp.alias_(exp.Min(this=start), "start"),
        exp.alias_(exp.Min(this=col(DAY, "s")), "member_day"),
    )
    query = query.where(*conditions).group_by(user.copy(), *[k.copy() for k in keys])
    return statement.add_cte(name, query)


def members_measures(
    compiler: MeasureCompiler, *, source_name: str, refs: list[MeasureRef], members: str
) -> exp.Select:
    """The measures `refs` over the rows of the members of `members` (a `member_starts` CTE),
    per grain: each row of a grain's window whose user is a member by the grain's end."""
    statement = compiler.statement
    source = statement.source(source_name)
    window = statement.model.measure(refs[0]).window
    grains = exp.alias_(exp.to_table(compiler.grains), "g", table=True)
    user = col(compiler.user_of(source), "r")
    member = [
        exp.EQ(this=col("uid", "m"), expression=user),
        exp.LTE(this=col("start", "m"), expression=col("hi", "g")),
    ]
    members_table = exp.alias_(exp.to_table(members), "m", table=True)
    query: exp.Select
    if window is Window.RANGE:
        rows = statement.rows(source.name, lo="span_lo", hi="span_hi", filtered=False)
        query = compiler.rows_by_day(rows, "r", compiler.kept_by_day(source, "r")).join(
            members_table, on=exp.and_(*member)
        )
    else:
        if window is Window.CUMULATIVE:
            rows = statement.rows(source.name, lo=None, hi="span_hi", filtered=False)
            in_window: exp.Expr = exp.LTE(this=col(DAY, "r"), expression=col("hi", "g"))
            lo: exp.Expr | None = None
            hi: exp.Expr = col("hi", "g")
        else:  # TO_REPORTING_DAY
            rows = statement.rows(source.name, lo=None, hi="reporting_day", filtered=False)
            reporting_day = statement.bound("reporting_day")
            in_window = exp.Between(
                this=col(DAY, "r"), low=col("member_day", "m"), high=reporting_day
            )
            lo, hi = col("lo", "g"), reporting_day.copy()
        query = (
            exp.select()
            .from_(grains)
            .join(members_table, on=member[1])
            .join(
                exp.alias_(exp.to_table(rows), "r", table=True),
                on=exp.and_(
                    member[0], in_window, *compiler.kept_within(source, "r", lo, hi)
                ),
            )
        )
    keys: list[exp.Expr] = [col("bkey", "m")] if compiler.breakdown else []
    return compiler.finish(query, keys, "g")
