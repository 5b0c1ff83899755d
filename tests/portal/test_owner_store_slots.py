"""The owner sets a store's booking settings, weekly slots, closed dates and zones in /cms/."""

from datetime import date, time
from decimal import Decimal

import pytest
from django.urls import reverse

from membership.models import Store
from tests.factories import StoreFactory, TierFactory
from tests.portal.test_owner_admin import form_as_posted

pytestmark = pytest.mark.django_db


def store_edit_url(store) -> str:
    return reverse("wagtailsnippets_membership_store:edit", args=[store.pk])


def inline(prefix: str, rows: list[dict]) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for n, row in enumerate(rows):
        data |= {f"{prefix}-{n}-{k}": v for k, v in row.items()}
        data |= {f"{prefix}-{n}-id": "", f"{prefix}-{n}-DELETE": ""}
    return data


SLOT = {
    "weekday": "0",
    "start_time": "09:00",
    "length_minutes": "120",
    "pickup_capacity": "4",
    "delivery_capacity": "3",
    "appointment_capacity": "0",
    "held_back_percent": "25",
    "release_minutes": "1440",
}


def test_owner_sets_slots_closed_dates_and_zones(client, owner_user):
    store = StoreFactory(latitude=Decimal("31.2296"), longitude=Decimal("121.4559"))
    client.force_login(owner_user)
    page = client.get(store_edit_url(store))
    html = page.content.decode()
    assert page.status_code == 200
    for words in ("slot_templates-TOTAL_FORMS", "closed_dates-TOTAL_FORMS", "booking_cutoff"):
        assert words in html
    data = form_as_posted(page.context["form"])
    data |= {
        "booking_cutoff_minutes": "90",
        "change_cutoff_minutes": "60",
        "booking_days_ahead": "21",
        "express_offered": "on",
        "express_surcharge": "25",
    }
    data |= inline("slot_templates", [SLOT, SLOT | {"weekday": "5", "start_time": "14:00"}])
    data |= inline("closed_dates", [{"date": "2030-02-10", "reason": "Spring Festival"}])
    data |= inline(
        "service_zones",
        [{"name_zh": "北区", "name_en": "North", "latitude": "31.3", "longitude": "121.45",
          "radius_km": "1.5"}],
    )  # fmt: skip

    response = client.post(store_edit_url(store), data)

    assert response.status_code == 302, response.context["form"].errors
    store = Store.objects.get(pk=store.pk)
    assert (store.booking_cutoff_minutes, store.change_cutoff_minutes) == (90, 60)
    assert store.express_offered and store.express_surcharge == Decimal("25")
    assert [(t.weekday, t.start_time) for t in store.slot_templates.all()] == [
        (0, time(9)),
        (5, time(14)),
    ]
    assert store.closed_dates.get().date == date(2030, 2, 10)
    assert store.service_zones.get().name_en == "North"


@pytest.mark.parametrize(
    "bad",
    [
        {"held_back_percent": "150"},
        {"length_minutes": "5"},
        {"weekday": "9"},
        {"start_time": "25:00"},
        {"pickup_capacity": "-1"},
    ],
)
def test_a_bad_slot_row_is_refused_and_nothing_saved(client, owner_user, bad):
    store = StoreFactory()
    client.force_login(owner_user)
    data = form_as_posted(client.get(store_edit_url(store)).context["form"])
    data |= inline("slot_templates", [SLOT | bad])

    response = client.post(store_edit_url(store), data)

    assert response.status_code == 200  # the form again, with the error
    assert not store.slot_templates.exists()


def test_two_rows_at_the_same_time_are_refused(client, owner_user):
    store = StoreFactory()
    client.force_login(owner_user)
    data = form_as_posted(client.get(store_edit_url(store)).context["form"])
    data |= inline("slot_templates", [SLOT, SLOT])

    response = client.post(store_edit_url(store), data)

    assert response.status_code == 200
    assert not store.slot_templates.exists()


def test_owner_gives_a_tier_priority_booking(client, owner_user):
    tier = TierFactory()
    client.force_login(owner_user)
    url = reverse("wagtailsnippets_membership_tier:edit", args=[tier.pk])
    data = form_as_posted(client.get(url).context["form"])
    data |= {"priority_booking": "on", "pickup_response_hours": "2"}

    response = client.post(url, data)

    assert response.status_code == 302
    tier.refresh_from_db()
    assert tier.priority_booking and tier.pickup_response_hours == 2


def test_staff_cannot_edit_stores(client, staff_user):
    client.force_login(staff_user)
    response = client.get(store_edit_url(StoreFactory()))
    assert response.status_code in (302, 403)
