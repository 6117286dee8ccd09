"""A headline is never silently empty, and its colour follows the metric's polarity: over HTTP
on the hand-built world (reporting day 2026-10-20)."""

from __future__ import annotations

from tests.gateway.graphql.conftest import GraphQLClient

RETENTION = """query ($filter: GameUserRetentionFilter, $period: RetentionPeriod) {
  game(id: "g1") { userRetention(filter: $filter) {
    rate(period: $period) { value previous suppressed }
    cohorts(period: $period) { date cohortSize retained }
    periods { period countedDays complete }
  } }
}"""


async def test_the_default_range_and_period_say_why_the_rate_is_empty(gql: GraphQLClient) -> None:
    data = await gql.data(RETENTION)  # LAST_7_DAYS (Oct 14-20) and DAY_7 by default
    retention = data["game"]["userRetention"]
    assert retention["rate"]["value"] is None
    assert retention["rate"]["suppressed"] == "INCOMPLETE_PERIOD"
    # the cohort table still shows the cohorts; only their returns are unknown
    assert retention["cohorts"][0]["date"] == "2026-10-14"
    assert {c["retained"] for c in retention["cohorts"]} == {None}
    assert retention["periods"] == [
        {"period": "DAY_1", "countedDays": 6, "complete": False},
        {"period": "DAY_7", "countedDays": 0, "complete": False},
        {"period": "DAY_14", "countedDays": 0, "complete": False},
        {"period": "DAY_30", "countedDays": 0, "complete": False},
    ]


async def test_a_range_with_counted_days_is_not_suppressed(gql: GraphQLClient) -> None:
    filter_ = {"range": {"start": "2026-10-11", "end": "2026-10-14"}, "cohort": "ACTIVE"}
    data = await gql.data(RETENTION, filter=filter_, period="DAY_7")
    retention = data["game"]["userRetention"]
    assert retention["rate"]["suppressed"] is None and retention["rate"]["value"] is not None
    assert retention["periods"][:2] == [
        {"period": "DAY_1", "countedDays": 4, "complete": True},
        {"period": "DAY_7", "countedDays": 3, "complete": False},  # Oct 14 + 7 is after Oct 20
    ]
    data = await gql.data(RETENTION, filter=filter_, period="DAY_14")
    assert data["game"]["userRetention"]["rate"]["suppressed"] == "INCOMPLETE_PERIOD"


NETWORK = """{
  game(id: "g1") { network(filter: {range: {start: "2026-10-13", end: "2026-10-14"}}) {
    avgRequestLatencyMs { value previous direction polarity assessment }
    requestErrorRate { value previous direction polarity assessment }
    avgDownloadLatencyMs { previous direction polarity assessment }
  } }
  catalog { metrics { id polarity } }
}"""


async def test_a_rising_latency_is_bad_news_and_a_falling_error_rate_good(
    gql: GraphQLClient,
) -> None:
    data = await gql.data(NETWORK)
    network = data["game"]["network"]
    # requests: 900 and 200 ms on Oct 13-14, 100 and 300 ms on Oct 11-12
    assert network["avgRequestLatencyMs"] == {
        "value": 550.0,
        "previous": 200.0,
        "direction": "UP",
        "polarity": "LOWER_IS_BETTER",
        "assessment": "BAD",
    }
    # one of the two requests failed on Oct 13-14, both on Oct 11-12
    assert network["requestErrorRate"] == {
        "value": 0.5,
        "previous": 1.0,
        "direction": "DOWN",
        "polarity": "LOWER_IS_BETTER",
        "assessment": "GOOD",
    }
    # no download on Oct 11-12: no change, nothing to judge
    assert network["avgDownloadLatencyMs"] == {
        "previous": None,
        "direction": None,
        "polarity": "LOWER_IS_BETTER",
        "assessment": None,
    }
    polarity = {m["id"]: m["polarity"] for m in data["catalog"]["metrics"]}
    assert polarity["stutterRate"] == polarity["displayFailureRate"] == "LOWER_IS_BETTER"
    assert polarity["activeUsers"] == polarity["gmv"] == "HIGHER_IS_BETTER"


async def test_a_rising_count_is_good_news(gql: GraphQLClient) -> None:
    data = await gql.data(
        '{ game(id: "g1") { userBehavior(filter: {range: {start: "2026-10-11", '
        'end: "2026-10-14"}}) { activeUsers { direction polarity assessment } } } }'
    )
    assert data["game"]["userBehavior"]["activeUsers"] == {
        "direction": "UP",
        "polarity": "HIGHER_IS_BETTER",
        "assessment": "GOOD",
    }
