"""A hold of N months is counted on the shop's calendar, though the database hands the
entry date back in UTC (where 31 March 05:00 in Shanghai is still 30 March)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from loyalty.engine.tier_review import MovementPolicy, Rule, TierState, review_decision
from loyalty.engine.tiers import MemberStats, TierCriteria

SHANGHAI = ZoneInfo("Asia/Shanghai")
BASIC = TierCriteria(key="basic", rank=1)
CORE = TierCriteria(key="core", rank=2, min_orders=5)


def decide(since_local: datetime, as_of_local: datetime) -> Rule:
    since_from_database = since_local.astimezone(UTC)
    return review_decision(
        stats=MemberStats(),
        tiers=[BASIC, CORE],
        policies={"core": MovementPolicy(hold_months=1)},
        state=TierState(tier="core", since=since_from_database),
        as_of=as_of_local,
    ).rule


def test_one_month_from_31_march_ends_on_30_april_in_the_shops_calendar():
    entered = datetime(2027, 3, 31, 5, 0, tzinfo=SHANGHAI)

    # In UTC the entry is 30 March 21:00, a month later 30 April 21:00 = 1 May 05:00 in
    # Shanghai: the review at midnight on 1 May would still have seen the tier as held.
    assert decide(entered, datetime(2027, 5, 1, tzinfo=SHANGHAI)) is Rule.HOLD_EXPIRED
    assert decide(entered, datetime(2027, 4, 30, 4, 0, tzinfo=SHANGHAI)) is Rule.HELD
