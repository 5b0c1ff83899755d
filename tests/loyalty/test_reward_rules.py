"""Reward rules run on member events and on a schedule: once per period, within limits and
budget, never twice even when a worker dies half-way, and as the dry run said."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from loyalty.engine.rules import previous_months
from loyalty.flows import reward_rules
from loyalty.flows.reward_rules import rule_dry_run, rules_process_events, rules_run_scheduled
from loyalty.models import (
    MemberCoupon,
    MemberPackage,
    Package,
    PackageItem,
    PointsAccount,
    RuleEventReceipt,
    RuleFiring,
)
from membership.models import FollowUpTask, MemberEvent, MemberMessage
from membership.services.events import member_event_record
from tests.factories import (
    MemberFactory,
    OrderFactory,
    ServiceCategoryFactory,
    StaffFactory,
    TierFactory,
)
from tests.loyalty.helpers import assert_ledger_consistent, cash_order
from tests.loyalty.rule_helpers import coupon_template, make_rule, start_of_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return StaffFactory()


def coupons(member) -> int:
    return MemberCoupon.objects.filter(member=member, source_type="reward_rule").count()


def local(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def past_order(member, *, days_ago: int = 0, on: date | None = None, total: str = "100"):
    day = on or timezone.localdate() - timedelta(days=days_ago)
    return OrderFactory(
        member=member, created_at=local(day), subtotal=Decimal(total), total=Decimal(total)
    )


def test_step_coupon_once_a_month_and_only_for_the_member_who_qualifies(staff):
    rule = make_rule(
        "order_completed", spend_window="this_month", min_spend=Decimal("300"), period="month"
    )
    member, other = MemberFactory(), MemberFactory()
    cash_order(member, staff, key="a1", amount="200")
    cash_order(other, staff, key="b1", amount="100")
    assert rules_process_events() == 0
    cash_order(member, staff, key="a2", amount="100")  # 300 this month: exactly the line
    assert rules_process_events() == 1
    cash_order(member, staff, key="a3", amount="100")
    assert rules_process_events() == 0
    assert coupons(member) == 1 and coupons(other) == 0
    assert RuleFiring.objects.get(rule=rule).period_key == f"month:{timezone.localdate():%Y-%m}"
    assert (
        RuleEventReceipt.objects.count()
        == MemberEvent.objects.filter(kind="order_completed").count()
    )


def test_a_worker_killed_half_way_rewards_once_when_run_again(staff, monkeypatch):
    make_rule(
        "order_completed",
        effects=[
            {"kind": "coupon", "coupon_template": coupon_template()},
            {"kind": "points", "points": 100},
        ],
    )
    member = MemberFactory()
    cash_order(member, staff, key="k1")
    real_grant = reward_rules.points_grant

    def dies(**kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(reward_rules, "points_grant", dies)
    with pytest.raises(SystemExit):
        rules_process_events()
    # The coupon written before the crash went with the rolled-back transaction.
    assert coupons(member) == 0
    assert not RuleFiring.objects.exists() and not RuleEventReceipt.objects.exists()

    monkeypatch.setattr(reward_rules, "points_grant", real_grant)
    assert rules_process_events() == 1
    assert rules_process_events() == 0
    assert coupons(member) == 1
    account = PointsAccount.objects.get(member=member)
    assert account.entries.filter(kind="grant", amount=100).count() == 1
    assert_ledger_consistent(account)


def test_a_member_limit_stops_the_rule(staff):
    make_rule("order_completed", max_per_member=2)
    member = MemberFactory()
    for n in range(3):
        cash_order(member, staff, key=f"o{n}")
    assert rules_process_events() == 2
    assert coupons(member) == 2


def test_first_order_rewards_the_first_order_only(staff):
    make_rule("first_order", period="ever")
    member = MemberFactory()
    cash_order(member, staff, key="first")
    cash_order(member, staff, key="second")
    assert rules_process_events() == 1
    assert coupons(member) == 1


def test_a_rule_only_sees_events_from_the_day_it_was_switched_on(staff):
    rule = make_rule("order_completed")
    member = MemberFactory()
    with transaction.atomic():
        member_event_record(
            member_id=member.pk,
            kind="order_completed",
            occurred_at=start_of_today() - timedelta(minutes=1),
            source_type="order",
            source_id="OLD",
        )
    assert rules_process_events() == 0
    rule.is_enabled = False
    rule.save()
    cash_order(member, staff, key="today")
    assert rules_process_events() == 0  # switched off: the event is read, nothing given
    assert coupons(member) == 0


def _tier_event(member, before, after):
    with transaction.atomic():
        member_event_record(
            member_id=member.pk,
            kind="tier_changed",
            data={"from": before.code if before else None, "to": after.code},
        )


def test_tier_up_and_tier_down_rules_fire_on_their_direction_only():
    basic, core = TierFactory(rank=1), TierFactory(rank=2)
    up = make_rule("tier_up", name_en="Up")
    down = make_rule(
        "tier_down",
        name_en="Down",
        effects=[
            {"kind": "coupon", "coupon_template": coupon_template("30")},
            {"kind": "follow_up", "text_zh": "回访", "text_en": "Call back", "due_days": 2},
        ],
    )
    promoted, demoted = MemberFactory(tier=core), MemberFactory(tier=basic)
    _tier_event(promoted, basic, core)
    _tier_event(demoted, core, basic)
    assert rules_process_events() == 2
    assert RuleFiring.objects.get(rule=up).member == promoted
    assert RuleFiring.objects.get(rule=down).member == demoted
    task = FollowUpTask.objects.get(member=demoted)
    assert task.source == "rule" and task.done_at is None


def test_referral_reward_goes_to_the_referrer():
    make_rule("referral_qualified")
    referrer = MemberFactory()
    with transaction.atomic():
        member_event_record(member_id=referrer.pk, kind="referral_qualified", data={"referred": 1})
    assert rules_process_events() == 1
    assert coupons(referrer) == 1


def test_every_effect_kind_is_applied():
    package = Package.objects.create(name_zh="衬衫三件", code="shirts3", price=Decimal("45"))
    PackageItem.objects.create(package=package, category=ServiceCategoryFactory(), quantity=3)
    rule = make_rule(
        "birthday",
        period="year",
        effects=[
            {"kind": "coupon", "coupon_template": coupon_template("20")},
            {"kind": "points", "points": 200},
            {"kind": "package", "package": package},
            {"kind": "message", "text_zh": "生日快乐", "text_en": "Happy birthday"},
            {"kind": "follow_up", "text_zh": "送花", "text_en": "Send flowers"},
        ],
    )
    member = MemberFactory(birthday=date(1990, *timezone.localdate().timetuple()[1:3]))
    MemberFactory(birthday=None)
    assert rules_run_scheduled(trigger="birthday") == 1
    assert rules_run_scheduled(trigger="birthday") == 0  # once a year
    firing = RuleFiring.objects.get(rule=rule)
    assert firing.value == Decimal("20") + Decimal("45")
    assert coupons(member) == 1
    assert MemberPackage.objects.filter(member=member, source_type="reward_rule").count() == 1
    assert FollowUpTask.objects.filter(member=member, source="rule").count() == 1
    assert MemberMessage.objects.filter(member=member, kind="custom").count() == 1
    assert MemberMessage.objects.filter(member=member, kind="points_granted").count() == 1
    assert_ledger_consistent(PointsAccount.objects.get(member=member))


def test_win_back_once_per_absence_and_the_dry_run_agrees():
    rule = make_rule("daily", min_days_since_visit=90, period="absence")
    away, recent, never = MemberFactory(), MemberFactory(), MemberFactory()
    past_order(away, days_ago=90)
    past_order(recent, days_ago=89)
    dry = rule_dry_run(rule=rule)
    assert [c.member_id for c in dry.rewards] == [away.pk]
    assert rules_run_scheduled(trigger="daily") == 1
    assert set(RuleFiring.objects.values_list("member_id", "period_key")) == {
        (c.member_id, c.period_key) for c in dry.rewards
    }
    again = rule_dry_run(rule=rule)
    assert again.rewards == [] and again.already_given == 1
    assert rules_run_scheduled(trigger="daily") == 0
    assert coupons(never) == 0 and coupons(recent) == 0


def test_streak_on_the_monthly_review():
    rule = make_rule(
        "monthly_review", streak_months=6, streak_min_spend=Decimal("500"), period="month"
    )
    steady, gap = MemberFactory(), MemberFactory()
    today = timezone.localdate()
    for n, (year, month) in enumerate(previous_months(today, 6)):
        past_order(steady, on=date(year, month, 10), total="501")
        if n != 3:
            past_order(gap, on=date(year, month, 10), total="900")
    assert [c.member_id for c in rule_dry_run(rule=rule).rewards] == [steady.pk]
    assert rules_run_scheduled(trigger="monthly_review") == 1
    assert coupons(steady) == 1 and coupons(gap) == 0


def test_a_monthly_budget_is_never_exceeded_and_the_dry_run_counts_it():
    rule = make_rule("daily", period="day", monthly_budget_count=2)
    members = [MemberFactory() for _ in range(5)]
    dry = rule_dry_run(rule=rule)
    assert len(dry.rewards) == 2 and dry.over_budget == 3
    assert rules_run_scheduled(trigger="daily") == 2
    assert sorted(RuleFiring.objects.values_list("member_id", flat=True)) == sorted(
        c.member_id for c in dry.rewards
    )
    assert rule.budgets.get().count == 2
    assert sum(coupons(m) for m in members) == 2


def test_a_money_budget_counts_the_rewards_value():
    rule = make_rule("daily", period="day", monthly_budget_amount=Decimal("120"))
    for _ in range(4):
        MemberFactory()
    assert rules_run_scheduled(trigger="daily") == 2  # 2 × 50 ≤ 120 < 3 × 50
    budget = rule.budgets.get()
    assert (budget.count, budget.amount) == (2, Decimal("100"))


def test_event_rule_dry_run_equals_the_real_run(staff):
    rule = make_rule(
        "order_completed", enabled=False, spend_window="this_month", min_orders=2, period="month"
    )
    a, b, c = MemberFactory(), MemberFactory(), MemberFactory()
    for member, orders in ((a, 2), (b, 1), (c, 3)):
        for n in range(orders):
            cash_order(member, staff, key=f"{member.pk}-{n}")
    dry = rule_dry_run(rule=rule)
    rule.is_enabled, rule.enabled_at = True, start_of_today()
    rule.save()
    rules_process_events()
    assert sorted(RuleFiring.objects.values_list("member_id", "period_key")) == sorted(
        (x.member_id, x.period_key) for x in dry.rewards
    )
    assert {x.member_id for x in dry.rewards} == {a.pk, c.pk}


def test_a_misconfigured_effect_skips_that_reward_and_not_the_others(staff, caplog):
    ended = coupon_template("10", is_active=False)
    make_rule(
        "order_completed", name_en="Broken", effects=[{"kind": "coupon", "coupon_template": ended}]
    )
    working = make_rule("order_completed", name_en="Working")
    member = MemberFactory()
    cash_order(member, staff, key="x")
    assert rules_process_events() == 1
    assert RuleFiring.objects.get().rule == working
    assert "skipped" in caplog.text
