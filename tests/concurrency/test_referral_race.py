"""Two first orders of a referred member at once (PostgreSQL, real threads): the referral
qualifies once, so the referrer gets exactly one REFERRAL_QUALIFIED event."""

from decimal import Decimal

import pytest
from django.db import connection

from membership.models import MemberEvent, Order, Referral
from membership.services.orders import OrderLineInput, order_record
from membership.services.referrals import referral_record
from tests.concurrency.threads import run_together
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and real threads need PostgreSQL"
    ),
]


def test_two_first_orders_at_once_qualify_the_referral_once():
    staff, category = StaffFactory(), ServiceCategoryFactory()
    referrer, new = MemberFactory(), MemberFactory(user__phone="+8613912345678")
    referral_record(referrer=referrer, referred=new, phone="+8613912345678")

    def first_order(key):
        return lambda: order_record(
            member=new,  # the same stale copy: neither thread has seen a first visit
            store=staff.store,
            lines=[OrderLineInput(category=category, quantity=1, amount=Decimal("12.00"))],
            acting_user=staff,
            idempotency_key=key,
        )

    results = run_together([first_order("a"), first_order("b"), first_order("c")])

    assert all(isinstance(r, Order) for r in results), results
    events = MemberEvent.objects.filter(member=referrer, kind=MemberEvent.Kind.REFERRAL_QUALIFIED)
    assert events.count() == 1
    assert Referral.objects.get().qualified_at is not None
