from __future__ import annotations

from decimal import Decimal

import asyncpg
import pytest

from gateway.loading.catalog import EVENT_TABLES, read_table
from gateway.loading.constraints import (
    AnyOf,
    BoolOp,
    Col,
    Compare,
    Const,
    IsNull,
    Match,
    Not,
    Unsupported,
    columns_of,
    conjuncts,
    parse_check,
    parse_expression,
)


def test_enumerations_comparisons_and_patterns() -> None:
    assert parse_check("CHECK ((os = ANY (ARRAY['ios'::text, 'android'::text])))") == AnyOf(
        Col("os"), ("ios", "android")
    )
    assert parse_check("CHECK ((beans > 0))") == Compare(">", Col("beans"), Const(0))
    assert parse_check("CHECK ((revenue_usd >= (0)::numeric))") == Compare(
        ">=", Col("revenue_usd"), Const(Decimal(0))
    )
    assert parse_check("CHECK ((fps >= (0)::double precision))") == Compare(
        ">=", Col("fps"), Const(0.0)
    )
    assert parse_check("CHECK ((region ~ '^[A-Z]{2}$'::text))") == Match(
        Col("region"), "^[A-Z]{2}$", negated=False
    )
    assert parse_check("CHECK ((app_id <> ''::text))") == Compare("<>", Col("app_id"), Const(""))
    assert parse_check("CHECK ((x > '-1'::integer))") == Compare(">", Col("x"), Const(-1))


def test_rules_across_columns() -> None:
    launch_ms = parse_check("CHECK (((launch_ms IS NOT NULL) = success))")
    assert launch_ms == Compare("=", IsNull(Col("launch_ms"), negated=True), Col("success"))
    duration = parse_check("CHECK ((success OR (duration_ms = 0)))")
    assert duration == BoolOp("OR", (Col("success"), Compare("=", Col("duration_ms"), Const(0))))
    stutter = parse_check("CHECK (((stutter_ms >= 0) AND (stutter_ms <= sampled_ms)))")
    assert conjuncts(stutter) == (
        Compare(">=", Col("stutter_ms"), Const(0)),
        Compare("<=", Col("stutter_ms"), Col("sampled_ms")),
    )
    assert columns_of(stutter) == ("stutter_ms", "sampled_ms")


def test_negations_chains_and_typed_arrays() -> None:
    assert parse_check("CHECK ((region !~ '^x'::text))") == Match(Col("region"), "^x", negated=True)
    assert parse_check("CHECK ((NOT (region ~ '^x'::text)))") == Not(
        Match(Col("region"), "^x", negated=False)
    )
    assert parse_check("CHECK (((a > 0) AND (b > 0) AND (c IS NULL)))") == BoolOp(
        "AND",
        (
            Compare(">", Col("a"), Const(0)),
            Compare(">", Col("b"), Const(0)),
            IsNull(Col("c"), negated=False),
        ),
    )
    varchar = (
        "CHECK (((kind)::text = ANY "
        "((ARRAY['a'::character varying, 'b'::character varying])::text[])))"
    )
    assert parse_check(varchar) == AnyOf(Col("kind"), ("a", "b"))
    assert parse_check("CHECK ((x >= (-1.5)::numeric(12,2)))") == Compare(
        ">=", Col("x"), Const(Decimal("-1.5"))
    )


def test_literals_of_defaults() -> None:
    assert parse_expression("0") == Const(0)
    assert parse_expression("'it''s'::text") == Const("it's")
    assert parse_expression("true") == Const(True)


@pytest.mark.parametrize(
    "definition",
    [
        "CHECK ((length(device_model) < 50))",
        "CHECK ((started_at < now()))",
        "CHECK ((x = ANY (some_array)))",
        "CHECK (((a + b) > 0))",
        "CHECK ((x IS TRUE))",
        "CHECK ((x < ALL (ARRAY[1, 2])))",
        "CHECK ((x > 0)",
        "UNIQUE (x)",
    ],
)
def test_other_forms_are_left_to_the_database(definition: str) -> None:
    with pytest.raises(Unsupported):
        parse_check(definition)


async def test_every_check_of_the_event_tables_is_understood(db: asyncpg.Connection) -> None:
    for name in EVENT_TABLES:
        table = await read_table(db, name)
        for check in table.checks:
            parse_check(check.definition)  # raises when not understood
