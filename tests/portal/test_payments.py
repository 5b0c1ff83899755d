import json
import time
from decimal import Decimal

import pytest
from django.urls import reverse

from loyalty.models import LoyaltySettings, OnlineTopUp, StripeEvent, TopUpBonusRule, WalletEntry
from tests.factories import MemberFactory
from tests.fakestripe import FakeStripeServer, paid_session_event, refund_event, sign
from tests.loyalty.helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db

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
    member = MemberFactory()
    client.force_login(member.user)
    client.member = member
    return client


def _start_top_up(client, amount="200") -> dict:
    response = client.post(reverse("payments:top_up"), {"amount": amount})
    assert response.status_code == 302
    assert response["Location"].startswith("https://checkout.stripe.test/c/pay/cs_test_")
    return response


def _post_event(client, event: dict, *, secret: str = WEBHOOK_SECRET, timestamp=None):
    payload = json.dumps(event)
    return client.post(
        reverse("payments:stripe_webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload, secret, timestamp=timestamp),
    )


def test_checkout_session_is_created_through_the_stripe_sdk(fake_stripe, member_client):
    settings_row = LoyaltySettings.load()
    settings_row.pay_by_alipay = True
    settings_row.pay_by_wechat_pay = True
    settings_row.save()

    response = _start_top_up(member_client, "200")

    sent = fake_stripe.session_created()
    assert sent["authorization"] == f"Bearer {fake_stripe.api_key}"
    assert sent["idempotency_key"].startswith("top-up-session-")
    params = sent["params"]
    assert params["mode"] == "payment"
    assert params["payment_method_types"] == ["card", "alipay", "wechat_pay"]
    assert params["line_items"][0]["price_data"]["unit_amount"] == "20000"
    assert params["line_items"][0]["price_data"]["currency"] == "cny"
    top_up = OnlineTopUp.objects.get()
    assert params["client_reference_id"] == str(top_up.reference)
    assert "/payments/top-up/success/" in params["success_url"]
    assert "/payments/top-up/cancel/" in params["cancel_url"]
    assert top_up.status == OnlineTopUp.Status.OPEN
    assert response["Location"].endswith(top_up.stripe_session_id)
    assert top_up.stripe_session_id in fake_stripe.sessions
    assert not WalletEntry.objects.exists()  # nothing is credited before Stripe says paid


def test_amount_not_offered_by_the_owner_is_refused_without_calling_stripe(
    fake_stripe, member_client
):
    response = member_client.post(reverse("payments:top_up"), {"amount": "123"}, follow=True)

    assert "Choose one of the amounts offered." in response.content.decode()
    assert fake_stripe.requests == []
    assert not OnlineTopUp.objects.exists()


def test_stripe_down_gives_a_message_and_no_session(fake_stripe, member_client):
    fake_stripe.fail_next = 10

    response = member_client.post(reverse("payments:top_up"), {"amount": "200"}, follow=True)

    assert "Online payment is not reachable right now" in response.content.decode()
    assert OnlineTopUp.objects.get().stripe_session_id is None


def test_same_completed_event_delivered_100_times_credits_once(fake_stripe, member_client):
    TopUpBonusRule.objects.create(
        name="200+20", min_amount=Decimal("200"), bonus_amount=Decimal("20")
    )
    _start_top_up(member_client, "200")
    top_up = OnlineTopUp.objects.get()
    event = paid_session_event(fake_stripe.sessions[top_up.stripe_session_id])

    outcomes = [_post_event(member_client, event) for _ in range(100)]

    assert all(r.status_code == 200 for r in outcomes)
    assert outcomes[0].content == b"credited"
    assert {r.content for r in outcomes[1:]} == {b"already_credited"}
    entry = WalletEntry.objects.get()
    assert (entry.principal_amount, entry.bonus_amount) == (Decimal("200.00"), Decimal("20.00"))
    assert entry.source_id == top_up.stripe_session_id
    top_up.refresh_from_db()
    assert top_up.status == OnlineTopUp.Status.PAID
    assert top_up.stripe_payment_intent_id == event["data"]["object"]["payment_intent"]
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    assert_ledger_consistent(member_client.member.wallet_account)


def test_different_events_for_the_same_session_credit_once(fake_stripe, member_client):
    _start_top_up(member_client, "100")
    session = fake_stripe.sessions[OnlineTopUp.objects.get().stripe_session_id]
    completed = paid_session_event(session, payment_intent="pi_same")
    async_ok = paid_session_event(
        session, payment_intent="pi_same", event_type="checkout.session.async_payment_succeeded"
    )

    for event in (async_ok, completed, async_ok, completed):
        assert _post_event(member_client, event).status_code == 200

    assert WalletEntry.objects.count() == 1
    assert member_client.member.wallet_account.balance == Decimal("100.00")


def test_forged_signature_is_rejected_and_nothing_credited(fake_stripe, member_client):
    _start_top_up(member_client)
    event = paid_session_event(fake_stripe.sessions[OnlineTopUp.objects.get().stripe_session_id])

    forged = _post_event(member_client, event, secret="whsec_someone_else")
    unsigned = member_client.post(
        reverse("payments:stripe_webhook"), data=json.dumps(event), content_type="application/json"
    )
    payload = json.dumps(event)
    tampered = member_client.post(
        reverse("payments:stripe_webhook"),
        data=payload.replace('"amount_total": 20000', '"amount_total": 90000'),
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload, WEBHOOK_SECRET),
    )

    assert (forged.status_code, unsigned.status_code, tampered.status_code) == (400, 400, 400)
    assert not WalletEntry.objects.exists()
    assert not StripeEvent.objects.exists()


def test_stale_timestamp_is_rejected_and_nothing_credited(fake_stripe, member_client):
    _start_top_up(member_client)
    event = paid_session_event(fake_stripe.sessions[OnlineTopUp.objects.get().stripe_session_id])

    response = _post_event(member_client, event, timestamp=int(time.time()) - 3600)

    assert response.status_code == 400
    assert not WalletEntry.objects.exists()


def test_completed_event_for_an_unknown_session_credits_nothing(fake_stripe, member_client):
    _start_top_up(member_client)
    session = dict(fake_stripe.sessions[OnlineTopUp.objects.get().stripe_session_id])
    session["id"] = "cs_test_not_ours"

    response = _post_event(member_client, paid_session_event(session))

    assert response.status_code == 200
    assert response.content == b"unknown_session"
    assert not WalletEntry.objects.exists()


def test_completed_event_after_a_refund_credits_nothing(fake_stripe, member_client):
    _start_top_up(member_client, "200")
    session = fake_stripe.sessions[OnlineTopUp.objects.get().stripe_session_id]

    refund = _post_event(member_client, refund_event(payment_intent="pi_r", amount=20000))
    completed = _post_event(member_client, paid_session_event(session, payment_intent="pi_r"))

    assert refund.content == b"refund_before_payment"
    assert completed.content == b"no_credit_refunded"
    assert not WalletEntry.objects.exists()
    assert OnlineTopUp.objects.get().status == OnlineTopUp.Status.REFUNDED


def test_refund_after_credit_takes_the_money_and_bonus_back_once(fake_stripe, member_client):
    TopUpBonusRule.objects.create(
        name="200+20", min_amount=Decimal("200"), bonus_amount=Decimal("20")
    )
    _start_top_up(member_client, "200")
    top_up = OnlineTopUp.objects.get()
    _post_event(
        member_client,
        paid_session_event(fake_stripe.sessions[top_up.stripe_session_id], payment_intent="pi_x"),
    )

    first = _post_event(member_client, refund_event(payment_intent="pi_x", amount=20000))
    again = _post_event(member_client, refund_event(payment_intent="pi_x", amount=20000))
    late = _post_event(
        member_client,
        paid_session_event(fake_stripe.sessions[top_up.stripe_session_id], payment_intent="pi_x"),
    )

    assert (first.content, again.content, late.content) == (
        b"refunded",
        b"already_refunded",
        b"no_credit_refunded",
    )
    wallet = member_client.member.wallet_account
    wallet.refresh_from_db()
    assert wallet.balance == Decimal("0.00")
    assert_ledger_consistent(wallet)


def test_expired_session_is_never_credited(fake_stripe, member_client):
    _start_top_up(member_client)
    session = fake_stripe.sessions[OnlineTopUp.objects.get().stripe_session_id]
    expired = paid_session_event(session, event_type="checkout.session.expired")

    _post_event(member_client, expired)
    response = _post_event(member_client, paid_session_event(session))

    assert response.content == b"no_credit_expired"
    assert not WalletEntry.objects.exists()


def test_amount_mismatch_is_not_credited(fake_stripe, member_client):
    _start_top_up(member_client, "200")
    session = dict(fake_stripe.sessions[OnlineTopUp.objects.get().stripe_session_id])
    session["amount_total"] = 100

    response = _post_event(member_client, paid_session_event(session))

    assert response.content == b"amount_mismatch"
    assert not WalletEntry.objects.exists()


def test_without_stripe_keys_online_top_up_is_hidden_and_the_rest_works(settings, member_client):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""

    wallet = member_client.get(reverse("customer:wallet"))
    points = member_client.get(reverse("customer:points"))
    start = member_client.post(reverse("payments:top_up"), {"amount": "200"})
    webhook = member_client.post(
        reverse("payments:stripe_webhook"), data="{}", content_type="application/json"
    )

    html = wallet.content.decode()
    assert wallet.status_code == 200 and points.status_code == 200
    assert 'data-testid="online-top-up"' not in html
    assert reverse("payments:top_up") not in html
    assert 'data-testid="top-up-at-counter"' in html
    assert (start.status_code, webhook.status_code) == (404, 404)


def test_with_stripe_keys_the_wallet_offers_the_owner_amounts(fake_stripe, member_client):
    TopUpBonusRule.objects.create(
        name="500+50", min_amount=Decimal("500"), bonus_amount=Decimal("50")
    )

    html = member_client.get(reverse("customer:wallet"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-testid="online-top-up"' in html
    for amount in ("100", "200", "500", "1000"):
        assert f'value="{amount}.00"' in html or f'value="{amount}"' in html
    assert "+ ¥50.00 bonus" in html


def test_success_page_shows_credit_only_after_the_webhook(fake_stripe, member_client):
    _start_top_up(member_client, "100")
    top_up = OnlineTopUp.objects.get()
    url = reverse("payments:success") + f"?ref={top_up.reference}"

    before = member_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    _post_event(member_client, paid_session_event(fake_stripe.sessions[top_up.stripe_session_id]))
    after = member_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    cancel = member_client.get(
        reverse("payments:cancel") + f"?ref={top_up.reference}", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert "being confirmed" in before
    assert "has been added to your stored value" in after
    assert "Nothing was charged." in cancel.content.decode()
