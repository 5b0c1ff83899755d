from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Locale, Page, Site

from loyalty.models import CouponTemplate, Package, PackageItem, PointsAccount, WalletAccount
from loyalty.services.coupons import coupon_issue
from loyalty.services.packages import package_grant
from membership.models import Booking, MemberNote, MemberTag, StaffAction, Tag
from membership.services.cards import card_codes, card_get_or_create
from portal.content.models import ShopSettings
from tests.factories import (
    BookingFactory,
    MemberFactory,
    OrderFactory,
    ServiceCategoryFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def core_member(db):
    tier = TierFactory(
        name_zh="核心",
        name_en="Core",
        stored_value_discount_percent=Decimal("10"),
        points_multiplier=Decimal("2"),
    )
    member = MemberFactory(name="Chen Jing", tier=tier)
    PointsAccount.objects.create(member=member, balance=2468)
    WalletAccount.objects.create(member=member, principal=Decimal("500"), bonus=Decimal("20"))
    return member


def ensure_default_site():
    """The migrations' default site, unless a transactional test flushed it from a reused DB."""
    if not Site.objects.exists():
        Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
        root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root"))
        Site.objects.create(hostname="localhost", root_page=root, is_default_site=True)


def give_history(member, *, orders=300, notes=40, bookings=30, coupons=15):
    now = timezone.now()
    for days in range(orders):
        OrderFactory(member=member, created_at=now - timedelta(days=days, hours=1))
    for n in range(notes):
        MemberNote.objects.create(
            member=member, text=f"note {n}", created_at=now - timedelta(hours=n)
        )
    for days in range(1, bookings + 1):
        BookingFactory(member=member, slot_start=now + timedelta(days=days))
    BookingFactory(member=member, status=Booking.Status.DONE)
    template = CouponTemplate.objects.create(
        name_zh="满200减50",
        name_en="50 off 200",
        amount_off=Decimal("50"),
        min_spend=Decimal("200"),
    )
    for n in range(coupons):
        coupon_issue(
            member=member, template=template, idempotency_key=f"panel-test-{member.pk}-{n}"
        )
    shirts = ServiceCategoryFactory(name_en="Shirt pressing")
    suits = ServiceCategoryFactory(name_en="Suit cleaning")
    package = Package.objects.create(
        code=f"suit-month-{member.pk}", name_zh="西装月卡", name_en="Suit month card"
    )
    PackageItem.objects.create(package=package, category=suits, quantity=4)
    PackageItem.objects.create(package=package, category=shirts, quantity=2)
    package_grant(member=member, package=package, idempotency_key=f"panel-pkg-{member.pk}")


def give_tags(member, *, static=4, dynamic=2, inactive=1):
    """Several tags on the member (inactive ones are not shown), and on another member."""
    other = MemberFactory()
    kinds = [Tag.Kind.STATIC] * static + [Tag.Kind.DYNAMIC] * dynamic + [None] * inactive
    for n, kind in enumerate(kinds):
        tag = Tag.objects.create(
            code=f"panel-tag-{n}",
            name_zh=f"标签{n}",
            colour="#1f3a5f",
            kind=kind or Tag.Kind.STATIC,
            is_active=kind is not None,
        )
        MemberTag.objects.create(member=member, tag=tag)
        MemberTag.objects.create(member=other, tag=tag)


def panel_url(member):
    return reverse("counter:member", kwargs={"number": member.number})


def test_panel_shows_everything_staff_need(staff_client, core_member):
    give_history(core_member, orders=3, notes=2, bookings=2, coupons=1)

    response = staff_client.get(panel_url(core_member), HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Chen Jing" in html and core_member.number in html
    assert "Core" in html
    assert "10% off when paying with stored value" in html
    assert "points ×2" in html
    assert "2468" in html
    assert "520.00" in html  # principal + bonus
    assert html.count('data-testid="package"') == 2 and "4 of 4 left" in html
    assert html.count('data-testid="coupon"') == 1 and "50 off 200" in html
    assert html.count('data-testid="note"') == 2
    assert html.count('data-testid="visit"') == 3
    assert html.count('data-testid="booking"') == 2  # the done one is not open


def test_panel_costs_at_most_11_queries_with_a_large_history(
    staff_client, core_member, django_assert_max_num_queries
):
    give_history(core_member)
    give_tags(core_member)
    ensure_default_site()  # the base template's brand name: site and settings in the count
    staff_client.get(panel_url(core_member))  # the site's settings row is created on first use

    # 11: the member's segment (lifecycle stage, value group) is one more
    with django_assert_max_num_queries(11):
        response = staff_client.get(panel_url(core_member))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="visit"') == 5
    assert html.count('data-testid="note"') == 5
    assert html.count('data-testid="booking"') == 5
    assert html.count('data-testid="coupon"') == 10
    assert html.count('data-testid="panel-tag"') == 6  # the inactive tag is not shown


def test_panel_of_a_member_without_accounts_or_tier(staff_client):
    member = MemberFactory(name="New Person")
    response = staff_client.get(panel_url(member), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "New Person" in html and "No tier yet" in html
    assert "No package." in html and "No coupon to use." in html and "No visit yet." in html


def test_unknown_member_number_is_404(staff_client):
    assert staff_client.get(reverse("counter:member", kwargs={"number": "M404"})).status_code == 404


def test_staff_add_a_note_recorded_with_who_wrote_it(staff_client, staff_user, core_member):
    response = staff_client.post(
        reverse("counter:member-notes", kwargs={"number": core_member.number}),
        {"text": "  Prefers no starch on shirts.  "},
    )

    assert response.status_code == 302
    assert response["Location"] == panel_url(core_member)
    note = MemberNote.objects.get(member=core_member)
    assert note.text == "Prefers no starch on shirts." and note.author == staff_user
    action = StaffAction.objects.get(action="member_note_create")
    assert action.actor == staff_user and action.member == core_member
    assert action.object_id == str(note.pk)
    panel = staff_client.get(panel_url(core_member)).content.decode()
    assert "Prefers no starch on shirts." in panel


@pytest.mark.parametrize("text", ["", "    ", "x" * 2001])
def test_empty_or_too_long_note_is_refused_and_nothing_written(staff_client, core_member, text):
    response = staff_client.post(
        reverse("counter:member-notes", kwargs={"number": core_member.number}),
        {"text": text},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert 'data-testid="note-error"' in response.content.decode()
    assert not MemberNote.objects.exists()
    assert not StaffAction.objects.exists()


def test_all_notes_page_is_paginated(staff_client, core_member, django_assert_max_num_queries):
    give_history(core_member, orders=0, notes=45, bookings=0, coupons=0)
    url = reverse("counter:member-notes", kwargs={"number": core_member.number})
    staff_client.get(url)

    with django_assert_max_num_queries(9):
        first = staff_client.get(url)
    last = staff_client.get(url, {"page": 3})

    assert first.content.decode().count('data-testid="note"') == 20
    assert last.content.decode().count('data-testid="note"') == 5


def test_scan_then_panel_end_to_end(staff_client, core_member):
    code = card_codes(card=card_get_or_create(member=core_member))[0].code
    response = staff_client.get(
        reverse("counter:verify", kwargs={"number": core_member.number, "code": code}), follow=True
    )
    assert response.status_code == 200
    assert 'data-testid="member-panel"' in response.content.decode()
    assert f'data-member-number="{core_member.number}"' in response.content.decode()


def test_brand_name_comes_from_the_shop_settings_without_a_query(staff_client, core_member):
    ensure_default_site()
    staff_client.get(panel_url(core_member))
    shop = ShopSettings.objects.get()
    shop.brand_name = "Clean & Co"
    shop.save()  # as the owner's settings form does
    assert "Clean &amp; Co" in staff_client.get(panel_url(core_member)).content.decode()

    with CaptureQueriesContext(connection) as queries:
        html = staff_client.get(panel_url(core_member)).content.decode()

    assert "Clean &amp; Co" in html
    assert not [q for q in queries.captured_queries if "wagtailcore_site" in q["sql"]]
    assert not [q for q in queries.captured_queries if "content_shopsettings" in q["sql"]]


def test_panel_shows_the_open_follow_ups_and_the_most_urgent_one(
    staff_client, staff_user, core_member
):
    from membership.services.followups import followup_complete, followup_create

    url = panel_url(core_member)
    assert (
        "Nothing to follow up." in staff_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    now = timezone.now()
    for reason, days in (("Later call", 5), ("Call back about the coat", 1), ("Done call", 0)):
        task = followup_create(
            member=core_member,
            reason=reason,
            source="manual",
            due_at=now + timedelta(days=days),
            acting_user=staff_user,
        )
    followup_complete(task=task, acting_user=staff_user)  # the most urgent, but done
    followup_create(member=MemberFactory(), reason="Someone else", source="rule")

    html = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-testid="panel-followup-next">Call back about the coat<' in html
    assert "2 open" in html and "Someone else" not in html and "Done call" not in html
