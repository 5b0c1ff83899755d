"""Reward rules under real concurrency (PostgreSQL, real threads): a rule's monthly budget is
never exceeded however many triggers arrive at once, and two workers reading the same events
reward once."""

from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from loyalty.flows.reward_rules import Candidate, rule_apply, rules_process_events
from loyalty.models import MemberCoupon, RuleFiring
from tests.concurrency.threads import run_together
from tests.factories import MemberFactory, StaffFactory
from tests.loyalty.helpers import cash_order
from tests.loyalty.rule_helpers import make_rule

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and real threads need PostgreSQL"
    ),
]


def test_concurrent_triggers_never_exceed_the_budget():
    rule = make_rule(
        "order_completed", monthly_budget_count=3, monthly_budget_amount=Decimal("500")
    )
    members = [MemberFactory() for _ in range(12)]
    now = timezone.now()
    results = run_together(
        [
            lambda m=m: rule_apply(rule=rule, candidate=Candidate(m.pk, "event:1"), now=now)
            for m in members
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    given = [r for r in results if r is not None]
    assert len(given) == 3
    assert RuleFiring.objects.filter(rule=rule).count() == 3
    budget = rule.budgets.get()
    assert (budget.count, budget.amount) == (3, Decimal("150"))
    assert MemberCoupon.objects.filter(source_type="reward_rule").count() == 3


def test_two_workers_on_the_same_events_reward_once():
    make_rule("order_completed")
    staff = StaffFactory()
    members = [MemberFactory() for _ in range(4)]
    for n, member in enumerate(members):
        cash_order(member, staff, key=f"race-{n}")
    results = run_together([rules_process_events for _ in range(4)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 4
    for member in members:
        assert MemberCoupon.objects.filter(member=member, source_type="reward_rule").count() == 1
