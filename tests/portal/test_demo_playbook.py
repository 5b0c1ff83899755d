"""The demo's playbook rules: each fires for the member it should and no other, once per
period."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from loyalty.engine.rules import previous_months
from loyalty.flows.reward_rules import rules_process_events, rules_run_scheduled
from loyalty.models import MemberCoupon, RuleFiring
from membership.models import FollowUpTask
from membership.services.events import member_event_record
from portal.management.playbook import PLAYBOOK, playbook_install
from tests.factories import (
    MemberFactory,
    OrderFactory,
    ServiceCategoryFactory,
    StaffFactory,
    TierFactory,
)
from tests.loyalty.helpers import cash_order
from tests.loyalty.rule_helpers import start_of_today

pytestmark = pytest.mark.django_db


def _on(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def _order(member, day: date, total: str):
    OrderFactory(member=member, created_at=_on(day), subtotal=Decimal(total), total=Decimal(total))


def _tier_event(member, before, after):
    with transaction.atomic():
        member_event_record(
            member_id=member.pk, kind="tier_changed", data={"from": before.code, "to": after.code}
        )


def _run_everything() -> None:
    rules_process_events()
    for trigger in ("daily", "birthday", "monthly_review"):
        rules_run_scheduled(trigger=trigger)


def test_each_playbook_rule_rewards_its_member_and_no_other():
    basic = TierFactory(code="basic", rank=1)
    core = TierFactory(code="core", rank=3)
    ServiceCategoryFactory(code="shirt", default_price=Decimal("18"))
    staff = StaffFactory()
    rules = playbook_install(enabled_at=start_of_today())
    assert set(rules) == {spec.code for spec in PLAYBOOK}
    today = timezone.localdate()
    long_ago = today - timedelta(days=40)

    step = MemberFactory(tier=core)
    _order(step, long_ago, "80")
    cash_order(step, staff, key="step-1", amount="200")
    cash_order(step, staff, key="step-2", amount="100")  # 300 this month

    regular = MemberFactory(tier=basic)
    _order(regular, long_ago, "80")
    cash_order(regular, staff, key="basic-1", amount="80")

    newcomer = MemberFactory(tier=basic)
    cash_order(newcomer, staff, key="first-1", amount="60")

    away = MemberFactory(tier=core)
    _order(away, today - timedelta(days=100), "300")

    steady = MemberFactory(tier=core)
    for year, month in previous_months(today, 6):
        _order(steady, date(year, month, 10), "520")

    born = date(1992, 2, 29) if (today.month, today.day) == (2, 29) else today.replace(year=1990)
    birthday = MemberFactory(tier=core, birthday=born)
    _order(birthday, today - timedelta(days=10), "60")

    promoted, demoted = MemberFactory(tier=core), MemberFactory(tier=basic)
    _tier_event(promoted, basic, core)
    _tier_event(demoted, core, basic)

    referrer = MemberFactory(tier=core)
    with transaction.atomic():
        member_event_record(member_id=referrer.pk, kind="referral_qualified", data={})

    bystander = MemberFactory(tier=core)
    _order(bystander, long_ago, "90")
    cash_order(bystander, staff, key="by-1", amount="50")

    _run_everything()
    expected = {
        "step": {step},
        "basic-visit": {regular, newcomer},
        "first-visit": {newcomer},
        "win-back": {away},
        "streak": {steady},
        "birthday": {birthday},
        "tier-up": {promoted},
        "tier-down": {demoted},
        "referral": {referrer},
    }
    for code, members in expected.items():
        got = set(RuleFiring.objects.filter(rule=rules[code]).values_list("member_id", flat=True))
        assert got == {m.pk for m in members}, code
    assert not RuleFiring.objects.filter(member=bystander).exists()
    assert FollowUpTask.objects.filter(member=demoted, source="rule").count() == 1
    # Each coupon is the playbook's: the step coupon is 50 off an order of at least 200.
    step_coupon = MemberCoupon.objects.get(member=step)
    assert (step_coupon.amount_off, step_coupon.min_spend) == (Decimal("50"), Decimal("200"))
    streak_coupon = MemberCoupon.objects.get(member=steady)
    assert (streak_coupon.value_type, streak_coupon.uses_left) == ("free_item", 3)

    given = RuleFiring.objects.count()
    _run_everything()  # the same day again: nothing more
    cash_order(step, staff, key="step-3", amount="100")  # the step coupon: once a month
    _run_everything()
    assert RuleFiring.objects.count() == given
