"""The customer archive at the counter: every section, its pages, its cost with a long
history, the access log, and who may open it."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from loyalty.models import (
    EntryKind,
    LifecycleStage,
    MemberSegment,
    PointsAccount,
    PointsEntry,
    TierChange,
    ValueGroup,
    WalletAccount,
    WalletEntry,
)
from membership import ratelimit
from membership.models import (
    Booking,
    FollowUpTask,
    MemberAccessLog,
    MemberMessage,
    MemberNote,
    MemberTag,
    Order,
    OrderFeedback,
    Tag,
)
from membership.services import access
from tests.factories import (
    BookingFactory,
    MemberFactory,
    OrderFactory,
    ServiceCategoryFactory,
    StaffFactory,
    TierFactory,
)
from tests.loyalty.helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db

HISTORY = 260  # more than a dozen pages of every long section


def url(member, **query):
    base = reverse("counter:member-archive", kwargs={"number": member.number})
    if query:
        base += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return base


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def _points(member, amounts, start):
    account = PointsAccount.objects.create(member=member)
    running, rows = 0, []
    for i, amount in enumerate(amounts):
        running += amount
        rows.append(
            PointsEntry(
                account=account,
                kind=EntryKind.GRANT,
                amount=amount,
                balance_after=running,
                reason=f"grant {i}",
                idempotency_key=f"test-points-{member.pk}-{i}",
                created_at=start + timedelta(minutes=i),
            )
        )
    PointsEntry.objects.bulk_create(rows)
    PointsAccount.objects.filter(pk=account.pk).update(balance=running)
    return account


def _wallet(member, amounts, start):
    account = WalletAccount.objects.create(member=member)
    running, rows = Decimal("0"), []
    for i, amount in enumerate(amounts):
        running += amount
        rows.append(
            WalletEntry(
                account=account,
                kind=EntryKind.TOP_UP,
                currency=account.currency,
                amount=amount,
                principal_amount=amount,
                bonus_amount=Decimal("0"),
                balance_after=running,
                idempotency_key=f"test-wallet-{member.pk}-{i}",
                created_at=start + timedelta(minutes=i),
            )
        )
    WalletEntry.objects.bulk_create(rows)
    WalletAccount.objects.filter(pk=account.pk).update(principal=running)
    return account


@pytest.fixture
def long_history(staff_user):
    """A member with HISTORY rows in every section."""
    silver, gold = TierFactory(name_en="Silver"), TierFactory(name_en="Gold")
    member = MemberFactory(name="Lin Fang", tier=gold)
    start = timezone.now() - timedelta(days=400)
    store = staff_user.store
    orders = Order.objects.bulk_create(
        [
            OrderFactory.build(
                member=member,
                store=store,
                status=Order.Status.COMPLETED,
                number=f"ARCH{i:06d}",
                created_at=start + timedelta(hours=i),
            )
            for i in range(HISTORY)
        ]
    )
    OrderFeedback.objects.bulk_create(
        [
            OrderFeedback(
                order=order,
                member=member,
                rating=1 + i % 5,
                comment=f"comment {i}",
                is_complaint=i % 5 == 0,
            )
            for i, order in enumerate(orders)
        ]
    )
    _points(member, [10] * HISTORY, start)
    _wallet(member, [Decimal("50.00")] * HISTORY, start)
    TierChange.objects.bulk_create(
        [
            TierChange(
                member=member,
                from_tier=silver if i % 2 else gold,
                to_tier=gold if i % 2 else silver,
                reason=TierChange.Reason.PROMOTION if i % 2 else TierChange.Reason.DEMOTION,
                occurred_at=start + timedelta(days=i),
            )
            for i in range(HISTORY)
        ]
    )
    Booking.objects.bulk_create(
        [
            BookingFactory.build(
                member=member, store=store, slot_start=start + timedelta(days=i), status="done"
            )
            for i in range(HISTORY)
        ]
    )
    MemberMessage.objects.bulk_create(
        [
            MemberMessage(
                member=member,
                kind=MemberMessage.Kind.CUSTOM,
                data={"subject_en": f"Hello {i}", "subject_zh": f"Hello {i}", "body_en": "Body"},
                idempotency_key=f"test-message-{i}",
                created_at=start + timedelta(hours=i),
            )
            for i in range(HISTORY)
        ]
    )
    MemberNote.objects.bulk_create(
        [MemberNote(member=member, author=staff_user, text=f"note {i}") for i in range(HISTORY)]
    )
    FollowUpTask.objects.bulk_create(
        [
            FollowUpTask(
                member=member,
                source=FollowUpTask.Source.MANUAL,
                reason=f"call back {i}",
                due_at=start + timedelta(days=i),
                created_at=start + timedelta(hours=i),
            )
            for i in range(HISTORY)
        ]
    )
    return member


SECTIONS = [
    "profile",
    "tiers",
    "orders",
    "points",
    "wallet",
    "bookings",
    "messages",
    "notes",
    "followups",
    "complaints",
]


@pytest.mark.parametrize("section", SECTIONS)
def test_every_section_costs_a_fixed_number_of_queries_with_a_long_history(
    staff_client, long_history, section, django_assert_max_num_queries
):
    staff_client.get(reverse("counter:home"))  # the site's settings, read once and cached
    with django_assert_max_num_queries(7):
        first = staff_client.get(url(long_history, section=section))
    assert first.status_code == 200
    with django_assert_max_num_queries(6):
        last = staff_client.get(url(long_history, section=section, page=13))
    assert last.status_code == 200
    assert first["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_orders_are_paginated_newest_first_with_their_feedback(staff_client, long_history):
    first = staff_client.get(url(long_history, section="orders")).content.decode()
    assert first.count('data-testid="archive-row"') == 20
    assert 'data-order="ARCH000259"' in first  # the newest
    assert 'data-order="ARCH000240"' in first
    assert 'data-order="ARCH000239"' not in first
    assert "comment 259" in first
    assert "Page 1 of 13" in first

    second = staff_client.get(url(long_history, section="orders", page=2)).content.decode()
    assert 'data-order="ARCH000239"' in second
    assert 'data-order="ARCH000259"' not in second

    last = staff_client.get(url(long_history, section="orders", page=13)).content.decode()
    assert 'data-order="ARCH000000"' in last


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999999999999", "%00", "1e3"])
def test_a_hostile_page_number_shows_a_page(staff_client, long_history, page):
    response = staff_client.get(url(long_history, section="orders", page=page))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="archive-row"') > 0


def test_an_unknown_section_shows_the_profile(staff_client, long_history):
    response = staff_client.get(url(long_history, section="<script>"))
    assert response.status_code == 200
    assert 'data-testid="archive-profile"' in response.content.decode()


def test_the_profile_shows_preferences_balances_tags_and_segment(staff_client, staff_user):
    member = MemberFactory(name="Zhou Min", express_preference="often")
    member.favourite_categories.add(ServiceCategoryFactory(name_en="Silk", name_zh="丝绸"))
    _points(member, [120, 30], timezone.now() - timedelta(days=3))
    _wallet(member, [Decimal("200.00")], timezone.now() - timedelta(days=3))
    tag = Tag.objects.create(code="vip-coats", name_en="Coats", name_zh="大衣")
    MemberTag.objects.create(member=member, tag=tag, added_by=staff_user)
    MemberSegment.objects.create(
        member=member,
        lifecycle_stage=LifecycleStage.ACTIVE,
        value_group=ValueGroup.choices[0][0],
        recency_score=5,
        frequency_score=4,
        monetary_score=3,
    )

    html = staff_client.get(url(member)).content.decode()

    assert 'data-testid="archive-points">150<' in html
    assert "200" in html.split('data-testid="archive-balance">')[1].split("<")[0]
    assert 'data-tag="vip-coats"' in html
    assert 'data-testid="archive-rfm">5 · 4 · 3<' in html
    assert str(LifecycleStage.ACTIVE.label) in html
    assert "Silk" in html.split('data-testid="archive-favourites">')[1].split("</dd>")[0]
    assert_ledger_consistent(member.points_account)
    assert_ledger_consistent(member.wallet_account)


@pytest.mark.parametrize(
    ("section", "present", "absent"),
    [
        ("tiers", "Silver", None),
        ("points", "grant 259", "grant 239"),
        ("messages", "Hello 259", "Hello 239"),
        ("notes", "note 259", None),
        ("followups", "call back 259", "call back 239"),
    ],
)
def test_each_section_lists_the_members_own_rows(
    staff_client, long_history, section, present, absent
):
    other = MemberFactory()
    MemberNote.objects.create(member=other, text="someone else's note")
    html = staff_client.get(url(long_history, section=section)).content.decode()
    assert html.count('data-testid="archive-row"') == 20
    assert present in html
    assert "someone else" not in html
    if absent:
        assert absent not in html


def test_complaints_hold_only_feedback_marked_as_complaint(staff_client, long_history):
    html = staff_client.get(url(long_history, section="complaints")).content.decode()
    assert html.count('data-testid="archive-row"') == 20
    # Every fifth order's feedback is a complaint: 255, 250, ... on the first page.
    assert "comment 255" in html and "comment 250" in html
    assert "comment 259" not in html and "comment 254" not in html
    assert "Page 1 of 3" in html  # 52 complaints


def test_bookings_include_appointments_with_service(staff_client, staff_user):
    member = MemberFactory()
    service = ServiceCategoryFactory(name_en="Haircut", name_zh="剪发")
    BookingFactory(member=member, store=staff_user.store, kind="appointment", service=service)
    BookingFactory(member=member, store=staff_user.store, kind="pickup")
    html = staff_client.get(url(member, section="bookings")).content.decode()
    assert html.count('data-testid="archive-row"') == 2
    assert "剪发" in html or "Haircut" in html


def test_wallet_section_shows_entries_with_amounts(staff_client, long_history):
    html = staff_client.get(url(long_history, section="wallet")).content.decode()
    assert html.count('data-testid="archive-amount"') == 20
    assert_ledger_consistent(long_history.wallet_account)
    assert_ledger_consistent(long_history.points_account)


def test_opening_the_archive_is_logged_once_per_opening(
    staff_client, staff_user, long_history, monkeypatch
):
    for section in ("profile", "orders", "points"):
        staff_client.get(url(long_history, section=section))
    staff_client.get(url(long_history, section="orders", page=2))

    log = MemberAccessLog.objects.filter(member=long_history, how=MemberAccessLog.How.ARCHIVE)
    assert [(row.staff_id, row.store_id) for row in log] == [(staff_user.pk, staff_user.store_id)]

    # A later opening (the window has passed) is logged again.
    later = time.time() + access.OPEN_WINDOW_SECONDS + 1
    monkeypatch.setattr(ratelimit, "now", lambda: later)
    assert staff_client.get(url(long_history)).status_code == 200
    assert log.all().count() == 2


def test_another_staff_login_opening_it_is_logged_for_them(client, staff_user, long_history):
    other = StaffFactory()
    for user in (staff_user, other):
        client.force_login(user)
        client.get(url(long_history))
    logged = MemberAccessLog.objects.filter(member=long_history, how="archive")
    assert sorted(logged.values_list("staff_id", flat=True)) == sorted([staff_user.pk, other.pk])


def test_the_owner_may_open_it(client, owner_user, long_history):
    client.force_login(owner_user)
    assert client.get(url(long_history, section="orders")).status_code == 200


def test_a_member_cannot_open_any_archive(client, long_history):
    member = MemberFactory()
    client.force_login(member.user)
    for target in (long_history, member):
        assert client.get(url(target)).status_code == 403
    assert not MemberAccessLog.objects.exists()


def test_anonymous_visitors_go_to_log_in(client, long_history):
    response = client.get(url(long_history))
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("number", ["M000000000000", "nobody", "x" * 20])
def test_an_unknown_member_is_a_404(staff_client, number):
    response = staff_client.get(f"/counter/members/{number}/archive/")
    assert response.status_code == 404
    assert not MemberAccessLog.objects.exists()


@pytest.mark.parametrize("raw", ["%00", "x" * 21, "%E4%BD%A0", "..%2F", "1%20or%201"])
def test_hostile_member_numbers_are_404_not_500(staff_client, raw):
    assert staff_client.get(f"/counter/members/{raw}/archive/").status_code == 404


def test_posting_is_refused(staff_client, long_history):
    assert staff_client.post(url(long_history)).status_code == 405


def test_the_member_panel_links_to_the_archive(staff_client, long_history):
    html = staff_client.get(reverse("counter:member", kwargs={"number": long_history.number}))
    assert url(long_history) in html.content.decode()
