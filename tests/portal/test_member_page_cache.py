"""Kept member pages: served while current, never after the member or the shop changed."""

import re
from decimal import Decimal as D

import pytest
from django.contrib.messages import constants, storage
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from loyalty.models import CouponTemplate
from loyalty.services.coupons import coupon_issue, coupon_redeem
from loyalty.services.points import points_grant
from loyalty.services.tiers import tiers_assign_all
from loyalty.services.wallet import wallet_top_up
from membership import member_pages
from membership.models import MemberAccessLog
from membership.services.cards import CODE_STEP_SECONDS
from membership.services.messages import member_message_post, member_messages_mark_read
from tests.factories import MemberFactory, StaffFactory, TierFactory

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("customer:dashboard")
CARD = reverse("customer:card")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NONCE = re.compile(r'nonce="([^"]+)"')


def same_page(one: str, two: str) -> bool:
    """Equal but for the per-response CSRF token and CSP nonce."""
    return NONCE.sub("", CSRF.sub("", one)) == NONCE.sub("", CSRF.sub("", two))


@pytest.fixture
def member(client):
    member = MemberFactory(tier=TierFactory(name_en="Core", rank=2))
    client.force_login(member.user)
    client.get(DASHBOARD)  # the shop's settings rows are made on first use: a shop change
    return member


def get(client, url=DASHBOARD, **headers):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en", **headers)
    assert response.status_code == 200
    return response


def queries(client, url=DASHBOARD) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        html = get(client, url).content.decode()
    return len(captured.captured_queries), html


def test_a_kept_dashboard_costs_one_query_and_is_the_same_page(client, member):
    built, first = queries(client)
    kept, second = queries(client)

    assert kept == 1 < built  # the session's user, with its role flags and member id
    assert same_page(first, second)
    assert "Core" in second and member.number in second


def test_each_response_gets_its_own_working_csrf_token(client, member):
    get(client)
    tokens = [CSRF.search(get(client).content.decode()).group(1) for _ in range(2)]

    assert tokens[0] != tokens[1]  # masked per response, as Django does
    assert "csrf-slot" not in tokens[0]
    client.handler.enforce_csrf_checks = True
    response = client.post(reverse("account_logout"), {"csrfmiddlewaretoken": tokens[1]})
    assert response.status_code == 302  # logged out: the kept page's token is accepted


def test_the_csp_nonce_in_a_kept_page_is_this_responses_nonce(client, member):
    nonces = []  # the tier colour's <style> carries the nonce
    for _ in range(2):
        response = get(client)
        nonce = NONCE.search(response.content.decode()).group(1)
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_languages_and_logins_each_have_their_own_copy(client, member):
    english = get(client).content.decode()
    chinese = client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Points" in english and "积分" in chinese and "积分" not in english

    other = MemberFactory()
    client.force_login(other.user)
    assert other.number in get(client).content.decode()


def top_up(member):
    wallet_top_up(member=member, amount=D("88"), method="cash", idempotency_key="t")
    return "88.00"


def points(member):
    points_grant(member=member, points=4321, idempotency_key="p", reason="test")
    return "4321"


def coupon(member):
    template = CouponTemplate.objects.create(name_zh="减7", name_en="Seven off", amount_off=D("7"))
    coupon_issue(member=member, template=template, idempotency_key="c")
    return "Seven off"


def message(member):
    member_message_post(
        member_id=member.pk,
        kind="custom",
        idempotency_key="m",
        data={
            "subject_en": "Rain tomorrow",
            "subject_zh": "明天下雨",
            "body_en": "",
            "body_zh": "",
        },
    )
    return "Rain tomorrow"


def tier_renamed(member):
    tier = member.tier
    tier.name_en = "Core plus"
    tier.save()
    return "Core plus"


@pytest.mark.parametrize("change", [top_up, points, coupon, message, tier_renamed])
def test_a_change_shows_on_the_next_request(client, member, change):
    get(client)
    assert queries(client)[0] == 1  # kept

    shown = change(member)

    assert shown in get(client).content.decode()


def test_a_redeemed_coupon_leaves_the_dashboard(client, member):
    coupon(member)
    assert 'data-testid="best-coupon"' in get(client).content.decode()
    mine = member.coupons.get()

    coupon_redeem(coupon=mine, idempotency_key="r", order_total=D("100"))  # an UPDATE

    assert 'data-testid="best-coupon"' not in get(client).content.decode()


def test_messages_read_elsewhere_leave_the_unread_count(client, member):
    message(member)
    assert 'data-testid="inbox-unread"' in get(client).content.decode()

    member_messages_mark_read(member_id=member.pk)  # an UPDATE

    assert 'data-testid="inbox-unread"' not in get(client).content.decode()


def test_a_bulk_tier_assignment_shows_at_once(client, member):
    core = member.tier
    core.min_spend = D("1000")  # not met: no orders
    core.save()
    TierFactory(name_en="Base", rank=9)
    assert "Core" in get(client).content.decode()

    tiers_assign_all(as_of=timezone.now())  # one UPDATE for all moved members

    member.refresh_from_db()
    assert member.tier.name_en == "Base"
    assert 'data-testid="tier-name">Base<' in get(client).content.decode()


def test_a_flash_message_is_shown_not_a_kept_page(client, member):
    get(client)
    request_storage = storage.cookie.CookieStorage(None)
    cookie = request_storage._encode([storage.base.Message(constants.SUCCESS, "Saved it")])
    client.cookies["messages"] = cookie

    assert "Saved it" in get(client).content.decode()


def test_lost_versions_mean_no_kept_page_is_served(client, member):
    get(client)
    cache.delete_many([member_pages.SHOP_KEY, member_pages.MEMBER_KEY.format(member.pk)])

    assert queries(client)[0] > 1


def test_off_means_every_request_is_built(client, member, settings):
    settings.MEMBER_PAGE_CACHE_SECONDS = 0
    get(client)
    assert queries(client)[0] > 1


def test_staff_pages_are_not_kept(client):
    client.force_login(StaffFactory())
    assert client.get(DASHBOARD).status_code == 302  # to the counter, as before


def test_the_card_is_kept_for_its_minute_and_moves_on(client, member, monkeypatch):
    now = [1_800_000_000.0]
    monkeypatch.setattr("membership.services.cards.time.time", lambda: now[0])
    get(client, CARD)  # the member's card is made on the first visit: a change of the member
    first = get(client, CARD).content.decode()
    kept, again = queries(client, CARD)
    assert kept == 1 and same_page(first, again)

    now[0] += CODE_STEP_SECONDS
    later = get(client, CARD).content.decode()

    step = int(now[0] // CODE_STEP_SECONDS)
    assert f'data-step="{step - 1:d}"' in first
    assert f'data-step="{step - 1:d}"' not in later and f'data-step="{step:d}"' in later


def test_the_counter_panel_is_kept_after_its_first_opening_and_shows_changes(client, member):
    client.force_login(StaffFactory())
    url = reverse("counter:member", kwargs={"number": member.number})
    get(client, url)  # the first opening in the window: logged, built
    assert MemberAccessLog.objects.filter(member=member).count() == 1
    built = get(client, url).content.decode()
    kept, again = queries(client, f"{url}?via=search")

    assert kept == 1 and same_page(built, again)  # the session user only
    assert MemberAccessLog.objects.filter(member=member).count() == 1  # once a window
    wallet_top_up(member=member, amount=D("66"), method="cash", idempotency_key="t")
    assert "66.00" in get(client, url).content.decode()


def test_the_panel_of_an_unknown_number_is_still_a_404(client):
    client.force_login(StaffFactory())
    url = reverse("counter:member", kwargs={"number": "M999999999"})
    assert client.get(url).status_code == 404
    assert client.get(url).status_code == 404  # the second opening in the window too


def test_a_new_phone_number_shows_on_the_kept_panel(client, member):
    client.force_login(StaffFactory())
    url = reverse("counter:member", kwargs={"number": member.number})
    get(client, url)
    get(client, url)  # kept from here
    user = member.user
    user.phone = "+8613912345678"
    user.save()

    assert "139 1234 5678" in get(client, url).content.decode()
