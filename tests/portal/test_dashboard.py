from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from loyalty.models import PointsAccount, WalletAccount
from membership.models import Booking, MemberMessage
from membership.services.messages import member_message_post
from tests.factories import (
    BookingFactory,
    MemberFactory,
    OrderFactory,
    ServiceCategoryFactory,
    StoreFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db


def test_dashboard_shows_real_tier_points_balance_and_booking(client):
    tier = TierFactory(name_zh="核心", name_en="Core", rank=3)
    member = MemberFactory(tier=tier)
    PointsAccount.objects.create(member=member, balance=1234)
    WalletAccount.objects.create(member=member, principal=Decimal("300"), bonus=Decimal("20.5"))
    BookingFactory(member=member)
    client.force_login(member.user)

    response = client.get(reverse("customer:dashboard"), HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Core" in html
    assert "1234" in html
    assert "320.50" in html
    assert "Pickup" in html


def test_dashboard_query_count_does_not_grow_with_history(client, django_assert_max_num_queries):
    member = MemberFactory(tier=TierFactory())
    PointsAccount.objects.create(member=member, balance=10)
    for days in range(300):
        OrderFactory(member=member, created_at=timezone.now() - timedelta(days=days))
    for days in range(1, 40):
        BookingFactory(member=member, slot_start=timezone.now() + timedelta(days=days))
    for n in range(200):
        member_message_post(
            member_id=member.pk,
            kind=MemberMessage.Kind.CUSTOM,
            data={"subject_en": f"Note {n}"},
            idempotency_key=f"dashboard-{n}",
        )
    client.force_login(member.user)
    client.get(reverse("customer:dashboard"))  # the site's settings row is created on first use

    with django_assert_max_num_queries(11):  # the inbox line is one query
        response = client.get(reverse("customer:dashboard"))

    assert response.status_code == 200


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("customer:dashboard"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_member_gets_403_on_counter_and_anonymous_is_sent_to_log_in(client, member):
    anonymous = client.get(reverse("counter:home"))
    assert anonymous.status_code == 302 and reverse("account_login") in anonymous["Location"]
    client.force_login(member.user)
    assert client.get(reverse("counter:home")).status_code == 403


def test_staff_reach_the_counter(client, staff_user):
    client.force_login(staff_user)
    assert client.get(reverse("counter:home")).status_code == 200


def test_tier_benefits_and_the_last_tier_move_follow_the_owners_changes(client, owner_user):
    """Benefits come with the cached tier rules: what the owner saves shows at the next visit."""
    from loyalty.models import TierChange
    from membership.models import TierBenefit
    from tests.portal.test_owner_admin import TIER_EDIT, form_as_posted

    lower = TierFactory(name_en="Basic", rank=1)
    tier = TierFactory(name_en="Core", rank=2)
    TierBenefit.objects.create(tier=tier, title_zh="优先", title_en="Priority queue")
    member = MemberFactory(tier=tier)
    TierChange.objects.create(
        member=member, from_tier=lower, to_tier=tier, reason=TierChange.Reason.PROMOTION
    )
    client.force_login(member.user)
    url = reverse("customer:dashboard")

    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Priority queue" in html and "Basic → Core" in html

    benefit = TierBenefit.objects.get()
    benefit.title_en = "Priority counter"
    benefit.save()
    assert "Priority counter" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    owner = client.__class__()
    owner.force_login(owner_user)
    data = form_as_posted(owner.get(reverse(TIER_EDIT, args=[tier.pk])).context["form"])
    data |= {  # the old benefit deleted, a new one added
        "name_en": "Core plus",
        "benefits-TOTAL_FORMS": "2",
        "benefits-INITIAL_FORMS": "1",
        "benefits-0-id": str(benefit.pk),
        "benefits-0-title_zh": "优先",
        "benefits-0-title_en": "Priority counter",
        "benefits-0-sort_order": "0",
        "benefits-0-DELETE": "on",
        "benefits-1-title_zh": "免费配送",
        "benefits-1-title_en": "Free delivery",
        "benefits-1-sort_order": "1",
        "benefits-1-id": "",
    }
    assert owner.post(reverse(TIER_EDIT, args=[tier.pk]), data).status_code == 302

    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Free delivery" in html and "Priority counter" not in html
    assert "Basic → Core plus" in html and 'data-testid="tier-name">Core plus<' in html


def test_the_booking_buttons_follow_what_the_stores_offer(client):
    member = MemberFactory()
    store = StoreFactory(offers_pickup=True, offers_delivery=False, offers_appointments=False)
    client.force_login(member.user)
    dashboard = reverse("customer:dashboard")

    html = client.get(dashboard).content.decode()
    assert 'data-testid="book-pickup"' in html and "book-appointment" not in html

    store.offers_appointments = True
    store.save()  # the owner ticks appointments in /cms/: the dashboard knows at once
    html = client.get(dashboard).content.decode()
    assert 'data-testid="book-pickup"' in html
    assert f'href="{reverse("customer:appointment-new")}" data-testid="book-appointment"' in html
    assert f'href="{reverse("customer:appointments")}" data-testid="appointments-link"' in html

    store.offers_pickup = False
    store.save()
    html = client.get(dashboard).content.decode()
    assert "book-pickup" not in html and 'data-testid="book-appointment"' in html

    store.is_active = False
    store.save()
    html = client.get(dashboard).content.decode()
    assert "book-pickup" not in html and "book-appointment" not in html


def test_the_next_booking_opens_its_own_page(client):
    member = MemberFactory()
    appointment = BookingFactory(member=member, kind=Booking.Kind.APPOINTMENT, address="",
                                 service=ServiceCategoryFactory())  # fmt: skip
    client.force_login(member.user)
    html = client.get(reverse("customer:dashboard")).content.decode()
    assert reverse("customer:appointment", kwargs={"pk": appointment.pk}) in html

    pickup = BookingFactory(member=member, slot_start=appointment.slot_start - timedelta(hours=3))
    html = client.get(reverse("customer:dashboard")).content.decode()
    assert reverse("customer:booking", kwargs={"pk": pickup.pk}) in html
