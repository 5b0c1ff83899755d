"""The demo shop takes bookings: both stores have weekly slots, the demo login's next pickup
is in a slot, and a demo member can book another. The demo login has clothes at the shop."""

from io import StringIO

import pytest
from django.core.management import call_command

from membership.models import Booking, Member, MemberMessage, Order, Store
from membership.selectors.bookings import slot_days
from portal.management.commands.demo_seed import DEMO_NUMBER

pytestmark = pytest.mark.django_db


def test_the_demo_stores_offer_slots_and_the_demo_member_has_a_booked_pickup():
    call_command("demo_seed", members=12, stdout=StringIO())
    member = Member.objects.select_related("tier").get(number=DEMO_NUMBER)

    for store in Store.objects.all():
        assert store.slot_templates.count() == 6 * 5 + 2
        assert store.express_offered
        days = slot_days(store=store, kind="pickup", member=member)
        assert sum(d.bookable_count for d in days) > 20
    pickup = Booking.objects.get(member=member, kind="pickup")
    assert pickup.slot is not None and pickup.slot.booked == 1
    assert pickup.status == "confirmed"
    assert pickup.return_delivery is not None

    # Clothes at the shop, to be paid on collection: one being cleaned, one ready.
    garments = Order.objects.filter(member=member, status=Order.Status.UNPAID)
    assert sorted(garments.values_list("stage", flat=True)) == ["cleaning", "ready"]
    assert garments.get(stage="cleaning").lines.exclude(note="").exists()
    assert (
        MemberMessage.objects.filter(member=member, kind=MemberMessage.Kind.ORDER_READY).count()
        == 1
    )

    before = (Booking.objects.count(), Order.objects.count())
    call_command("demo_seed", members=12, stdout=StringIO())  # run again: nothing new
    assert (Booking.objects.count(), Order.objects.count()) == before
    assert Store.objects.get(code="xujiahui").slot_templates.count() == 32
