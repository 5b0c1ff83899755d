"""A member buys a package online through Stripe Checkout: only the verified webhook grants
it, exactly once, and never for an unpaid, expired, refunded or wrongly priced session."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from loyalty.models import (
    Entitlement,
    EntitlementEntry,
    MemberPackage,
    OnlineTopUp,
    Package,
    PackageItem,
    PackageSale,
    StripeEvent,
    WalletEntry,
)
from membership.models import MemberEvent
from tests.factories import (
    MemberFactory,
    ServiceCategoryFactory,
    StaffFactory,
    StoreFactory,
    TierFactory,
)
from tests.fakestripe import FakeStripeServer, paid_session_event, refund_event, sign
from tests.loyalty.helpers import assert_ledger_consistent
from tests.portal.test_query_budgets import give_history

pytestmark = pytest.mark.django_db
D = Decimal
WEBHOOK_SECRET = "whsec_test_secret"


@pytest.fixture
def fake_stripe(settings):
    with FakeStripeServer() as fake:
        settings.STRIPE_SECRET_KEY = fake.api_key
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.STRIPE_API_BASE = fake.url
        yield fake


@pytest.fixture
def member_client(client):
    # A tier discount applies to stored value only: online pays the list price.
    member = MemberFactory(tier=TierFactory(stored_value_discount_percent=D("10")))
    client.force_login(member.user)
    client.member = member
    return client


@pytest.fixture
def suit_card():
    package = Package.objects.create(
        code="suit-month", name_zh="西装月卡", name_en="Suit month card", price=D("399")
    )
    PackageItem.objects.create(package=package, category=ServiceCategoryFactory(), quantity=4)
    return package


def _start(client, code="suit-month"):
    response = client.post(reverse("payments:package"), {"package": code})
    assert response.status_code == 302
    assert response["Location"].startswith("https://checkout.stripe.test/c/pay/cs_test_")
    return PackageSale.objects.get()


def _post_event(client, event: dict):
    payload = json.dumps(event)
    return client.post(
        reverse("payments:stripe_webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload, WEBHOOK_SECRET),
    )


def _nothing_granted():
    assert not MemberPackage.objects.exists()
    assert not EntitlementEntry.objects.exists()
    assert not MemberEvent.objects.filter(kind="package_bought").exists()


def test_packages_page_offers_online_purchase_with_the_price(fake_stripe, member_client, suit_card):
    html = member_client.get(reverse("customer:packages"), HTTP_ACCEPT_LANGUAGE="en")
    html = html.content.decode()

    assert 'data-testid="buy-package-online"' in html
    assert f'action="{reverse("payments:package")}"' in html
    assert "Pay ¥399.00 online" in html


def test_without_stripe_the_online_button_is_hidden(settings, member_client, suit_card):
    settings.STRIPE_SECRET_KEY = ""

    html = member_client.get(reverse("customer:packages")).content.decode()
    start = member_client.post(reverse("payments:package"), {"package": "suit-month"})

    assert 'data-testid="buy-package-online"' not in html
    assert start.status_code == 404
    assert not PackageSale.objects.exists()


def test_the_session_is_created_for_the_list_price_and_nothing_is_granted(
    fake_stripe, member_client, suit_card
):
    sale = _start(member_client)

    sent = fake_stripe.session_created()
    assert sent["idempotency_key"] == f"package-session-{sale.reference}"
    params = sent["params"]
    assert params["line_items"][0]["price_data"]["unit_amount"] == "39900"
    assert params["metadata"]["package_sale"] == str(sale.reference)
    assert "/payments/package/success/" in params["success_url"]
    assert (sale.status, sale.paid_by, sale.amount_paid) == ("open", "online", D("399.00"))
    assert sale.stripe_session_id in fake_stripe.sessions
    _nothing_granted()


def test_webhook_delivered_three_times_grants_one_package(fake_stripe, member_client, suit_card):
    sale = _start(member_client)
    event = paid_session_event(fake_stripe.sessions[sale.stripe_session_id])

    outcomes = [_post_event(member_client, event).content for _ in range(3)]

    assert outcomes == [b"credited", b"already_credited", b"already_credited"]
    member_package = MemberPackage.objects.get()
    assert member_package.member == member_client.member
    assert EntitlementEntry.objects.filter(kind="grant").count() == 1
    sale.refresh_from_db()
    assert sale.status == "paid" and sale.member_package == member_package
    assert sale.stripe_payment_intent_id == event["data"]["object"]["payment_intent"]
    assert MemberEvent.objects.filter(kind="package_bought").count() == 1
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    assert not WalletEntry.objects.exists() and not OnlineTopUp.objects.exists()
    assert_ledger_consistent(Entitlement.objects.get())


def test_completed_and_async_succeeded_events_for_one_session_grant_once(
    fake_stripe, member_client, suit_card
):
    sale = _start(member_client)
    session = fake_stripe.sessions[sale.stripe_session_id]
    completed = paid_session_event(session, payment_intent="pi_same")
    async_ok = paid_session_event(
        session, payment_intent="pi_same", event_type="checkout.session.async_payment_succeeded"
    )

    for event in (async_ok, completed, async_ok):
        assert _post_event(member_client, event).status_code == 200

    assert MemberPackage.objects.count() == 1


def test_wrong_amount_grants_nothing(fake_stripe, member_client, suit_card):
    sale = _start(member_client)
    session = dict(fake_stripe.sessions[sale.stripe_session_id])
    session["amount_total"] = 100

    response = _post_event(member_client, paid_session_event(session))

    assert response.content == b"amount_mismatch"
    _nothing_granted()


def test_wrong_currency_grants_nothing(fake_stripe, member_client, suit_card):
    sale = _start(member_client)
    session = dict(fake_stripe.sessions[sale.stripe_session_id])
    session["currency"] = "usd"

    assert _post_event(member_client, paid_session_event(session)).content == b"amount_mismatch"
    _nothing_granted()


def test_unpaid_session_grants_nothing(fake_stripe, member_client, suit_card):
    sale = _start(member_client)
    event = paid_session_event(fake_stripe.sessions[sale.stripe_session_id])
    event["data"]["object"]["payment_status"] = "unpaid"

    assert _post_event(member_client, event).content == b"awaiting_payment"
    _nothing_granted()


def test_expired_session_is_never_granted(fake_stripe, member_client, suit_card):
    sale = _start(member_client)
    session = fake_stripe.sessions[sale.stripe_session_id]

    expired = _post_event(
        member_client, paid_session_event(session, event_type="checkout.session.expired")
    )
    late = _post_event(member_client, paid_session_event(session))

    assert (expired.content, late.content) == (b"expired", b"no_credit_expired")
    sale.refresh_from_db()
    assert sale.status == "expired"
    _nothing_granted()


def test_unknown_session_grants_nothing(fake_stripe, member_client, suit_card):
    sale = _start(member_client)
    session = dict(fake_stripe.sessions[sale.stripe_session_id])
    session["id"] = "cs_test_not_ours"

    assert _post_event(member_client, paid_session_event(session)).content == b"unknown_session"
    _nothing_granted()


def test_refund_before_completion_blocks_the_grant(fake_stripe, member_client, suit_card):
    sale = _start(member_client)
    session = fake_stripe.sessions[sale.stripe_session_id]

    refund = _post_event(member_client, refund_event(payment_intent="pi_r", amount=39900))
    completed = _post_event(member_client, paid_session_event(session, payment_intent="pi_r"))

    assert (refund.content, completed.content) == (b"refund_before_payment", b"no_credit_refunded")
    _nothing_granted()


def test_refund_after_the_grant_withdraws_what_is_left(fake_stripe, member_client, suit_card):
    sale = _start(member_client)
    session = fake_stripe.sessions[sale.stripe_session_id]
    _post_event(member_client, paid_session_event(session, payment_intent="pi_x"))

    first = _post_event(member_client, refund_event(payment_intent="pi_x", amount=39900))
    again = _post_event(member_client, refund_event(payment_intent="pi_x", amount=39900))

    assert (first.content, again.content) == (b"package_withdrawn", b"already_refunded")
    entitlement = Entitlement.objects.get()
    assert entitlement.remaining == 0
    assert_ledger_consistent(entitlement)
    sale.refresh_from_db()
    assert sale.status == "refunded"


def test_top_ups_still_credit_next_to_package_sessions(fake_stripe, member_client, suit_card):
    sale = _start(member_client)
    top_up = member_client.post(reverse("payments:top_up"), {"amount": "200"})
    assert top_up.status_code == 302
    top_up_row = OnlineTopUp.objects.get()

    a = _post_event(member_client, paid_session_event(fake_stripe.sessions[sale.stripe_session_id]))
    b = _post_event(
        member_client, paid_session_event(fake_stripe.sessions[top_up_row.stripe_session_id])
    )

    assert (a.content, b.content) == (b"credited", b"credited")
    assert MemberPackage.objects.count() == 1
    assert WalletEntry.objects.get().amount == D("200.00")


@pytest.mark.parametrize("code", ["no-such-card", "suit\x00month", "x" * 5000, ""])
def test_a_bad_package_choice_is_a_message_and_no_session(
    fake_stripe, member_client, suit_card, code
):
    response = member_client.post(reverse("payments:package"), {"package": code}, follow=True)

    assert response.status_code == 200
    assert 'class="message' in response.content.decode() or "errorlist" in response.content.decode()
    assert fake_stripe.requests == []
    assert not PackageSale.objects.exists()


def test_a_package_taken_off_sale_cannot_be_started(fake_stripe, member_client, suit_card):
    suit_card.is_active = False
    suit_card.save()

    member_client.post(reverse("payments:package"), {"package": "suit-month"})

    assert fake_stripe.requests == []
    assert not PackageSale.objects.exists()


def test_stripe_down_is_a_message_and_nothing_granted(fake_stripe, member_client, suit_card):
    fake_stripe.fail_next = 10

    response = member_client.post(
        reverse("payments:package"), {"package": "suit-month"}, follow=True
    )

    assert "Online payment is not reachable right now" in response.content.decode()
    assert PackageSale.objects.get().stripe_session_id is None
    _nothing_granted()


def test_return_page_says_pending_until_the_webhook(fake_stripe, member_client, suit_card):
    sale = _start(member_client)
    url = reverse("payments:package_success") + f"?ref={sale.reference}"

    before = member_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    _post_event(member_client, paid_session_event(fake_stripe.sessions[sale.stripe_session_id]))
    after = member_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    cancel = member_client.get(
        reverse("payments:package_cancel") + f"?ref={sale.reference}", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert 'data-testid="package-pending"' in before
    assert 'data-testid="package-granted"' in after and "Suit month card" in after
    assert "Nothing was charged." in cancel


def test_return_page_shows_nothing_of_another_members_sale(
    fake_stripe, member_client, client, suit_card
):
    sale = _start(member_client)
    _post_event(member_client, paid_session_event(fake_stripe.sessions[sale.stripe_session_id]))
    client.force_login(MemberFactory().user)

    for ref in (sale.reference, "not-a-uuid", "\x00"):
        response = client.get(reverse("payments:package_success") + f"?ref={ref}")
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="package-granted"' not in html and "西装月卡" not in html


@pytest.mark.parametrize("who", ["anonymous", "member", "other_member"])
def test_who_can_start_and_see_a_purchase(fake_stripe, client, suit_card, who):
    owner_of_sale = MemberFactory()
    sale = PackageSale.objects.create(
        member=owner_of_sale,
        package=suit_card,
        price=D("399"),
        amount_paid=D("399"),
        currency="CNY",
        paid_by="online",
    )
    if who == "member":
        client.force_login(owner_of_sale.user)
    elif who == "other_member":
        client.force_login(MemberFactory().user)
    url = reverse("payments:package_success") + f"?ref={sale.reference}"

    page = client.get(url)
    start = client.post(reverse("payments:package"), {"package": "suit-month"})

    if who == "anonymous":
        assert page.status_code == 302 and start.status_code == 302
        assert page["Location"].startswith(reverse("account_login"))
        assert PackageSale.objects.count() == 1
    else:
        assert page.status_code == 200
        shown = 'data-testid="package-pending"' in page.content.decode()
        assert shown == (who == "member")
        assert start.status_code == 302  # to Stripe, for their own purchase
        started = PackageSale.objects.exclude(pk=sale.pk).get()
        assert (started.member == owner_of_sale) == (who == "member")


def test_packages_and_result_pages_cost_the_same_with_a_long_history(
    fake_stripe, client, suit_card, django_assert_max_num_queries
):
    staff = StaffFactory(store=StoreFactory())
    tier = TierFactory()
    light, heavy = MemberFactory(tier=tier), MemberFactory(tier=tier)
    give_history(light, size=3, staff=staff)
    give_history(heavy, size=300, staff=staff)
    counts = []
    for member in (light, heavy):
        client.force_login(member.user)
        client.post(reverse("payments:package"), {"package": "suit-month"})
        sale = PackageSale.objects.filter(member=member).get()
        per_page = []
        for url in (
            reverse("customer:packages"),
            reverse("payments:package_success") + f"?ref={sale.reference}",
        ):
            client.get(url)
            with django_assert_max_num_queries(10) as captured:
                assert client.get(url).status_code == 200
            per_page.append(len(captured.captured_queries))
        counts.append(per_page)

    assert counts[0] == counts[1]
