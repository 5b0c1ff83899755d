"""Member events: every change the loyalty engine reacts to is recorded once, in the same
transaction, and never changed afterwards."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.services.checkout import order_refund, order_void
from loyalty.services.tiers import tiers_assign_all
from loyalty.services.wallet import wallet_top_up
from membership.models import MemberEvent
from membership.models.append_only import AppendOnlyError
from membership.services.members import member_create
from membership.services.profile import member_update_profile
from tests.factories import (
    MemberFactory,
    StaffFactory,
    TierFactory,
    UserFactory,
)
from tests.loyalty.helpers import cash_order

pytestmark = pytest.mark.django_db
Kind = MemberEvent.Kind


def kinds(member) -> list[str]:
    return list(member.events.order_by("id").values_list("kind", flat=True))


def test_orders_completed_refunded_and_voided_are_recorded_with_their_order():
    member, staff = MemberFactory(), StaffFactory()
    last_week = timezone.now() - timedelta(days=7)
    first = cash_order(member, staff, key="a", now=last_week)
    again = cash_order(member, staff, key="a", now=last_week)  # a double tap records nothing more
    second = cash_order(member, staff, key="b")

    order_refund(order=first, reason="torn", acting_user=staff)
    order_void(order=second, reason="mistake", acting_user=staff)

    assert again.pk == first.pk
    assert kinds(member) == [
        Kind.ORDER_COMPLETED,
        Kind.ORDER_COMPLETED,
        Kind.ORDER_REFUNDED,
        Kind.ORDER_VOIDED,
    ]
    completed = member.events.filter(kind=Kind.ORDER_COMPLETED).order_by("id").first()
    assert (completed.source_type, completed.source_id) == ("order", first.number)
    assert completed.occurred_at == last_week
    assert completed.data["total"] == "50.00"


def test_a_checkout_that_fails_records_no_event(monkeypatch):
    member, staff = MemberFactory(), StaffFactory()

    def broken(**kwargs):
        raise RuntimeError("points service down")

    monkeypatch.setattr("loyalty.services.checkout.points_earn", broken)
    with pytest.raises(RuntimeError):
        cash_order(member, staff, key="fails")

    assert kinds(member) == []


def test_a_top_up_is_recorded_once_even_when_retried():
    member = MemberFactory()
    for _ in range(2):
        wallet_top_up(member=member, amount="100", method="cash", idempotency_key="t")

    (event,) = member.events.all()
    assert event.kind == Kind.TOPPED_UP
    assert event.data == {"amount": "100.00", "bonus": "0.00", "method": "cash"}


def test_signing_up_and_setting_a_birthday_are_recorded():
    member = member_create(user=UserFactory(), name="Li Lei")
    profile = {"name": "Li Lei", "birthday": date(1990, 5, 17)}

    member_update_profile(member=member, **profile)
    member_update_profile(member=member, **profile)  # unchanged: nothing new

    assert kinds(member) == [Kind.SIGNED_UP, Kind.BIRTHDAY_SET]


def test_the_tier_assignment_records_each_move_with_from_and_to():
    basic = TierFactory(code="basic", rank=1)
    TierFactory(code="core", rank=2, min_spend=Decimal("100"))
    mover, stayer = MemberFactory(tier=basic), MemberFactory(tier=basic)
    cash_order(
        mover, StaffFactory(), key="big", amount="150", now=timezone.now() - timedelta(days=3)
    )

    tiers_assign_all(as_of=timezone.now())

    change = mover.events.get(kind=Kind.TIER_CHANGED)
    assert change.data == {"from": "basic", "to": "core"}
    assert not stayer.events.filter(kind=Kind.TIER_CHANGED).exists()


def test_events_refuse_change_and_deletion():
    member = MemberFactory()
    wallet_top_up(member=member, amount="10", method="cash", idempotency_key="t")
    event = member.events.get()

    event.data = {"amount": "1000"}
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        MemberEvent.objects.filter(pk=event.pk).update(kind=Kind.SIGNED_UP)
