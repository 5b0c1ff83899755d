"""Hostile input gets a clear 400 (or 404 for a path that can name nothing), never a 500, and
nothing is written. NUL bytes are what PostgreSQL refuses (DataError); these tests run on
both databases."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from loyalty.models import StripeEvent
from membership.models import MemberNote, MemberTag, Order, Tag
from membership.services.notes import member_note_create
from tests.factories import MemberFactory, OrderFactory, ServiceCategoryFactory, StaffFactory
from tests.fakestripe import sign

pytestmark = pytest.mark.django_db

NUL = "\x00"
WEBHOOK_SECRET = "whsec_test_secret"


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def member_client(client, member):
    client.force_login(member.user)
    return client


# --- paths --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/counter/members/%00/",
        "/counter/members/M%00/notes/",
        "/counter/members/%E4%BD%A0%E5%A5%BD/",
        "/counter/members/" + "M" * 21 + "/",
        "/counter/orders/%00/",
        "/counter/orders/" + "O" * 33 + "/",
        "/counter/m/%00/12345678/",
        "/counter/m/M000000001/%00/",
        "/counter/follow-ups/99999999999999999999/done/",
    ],
)
def test_a_counter_path_that_can_name_nothing_is_a_404(staff_client, path):
    method = staff_client.post if path.endswith("done/") else staff_client.get
    assert method(path).status_code == 404


@pytest.mark.parametrize("path", ["/me/orders/%00/", "/me/orders/%FF/", "/me/orders/a%20b/"])
def test_a_member_order_path_that_can_name_nothing_is_a_404(member_client, path):
    assert member_client.get(path).status_code == 404


def test_typed_paths_still_reverse_and_resolve_real_numbers(staff_client):
    order = OrderFactory(number="DEMO-000001-001")
    url = reverse("counter:order", kwargs={"number": order.number})
    assert staff_client.get(url).status_code == 200


# --- query strings and form fields ---------------------------------------------------------


def test_a_nul_byte_in_the_search_is_refused_with_a_message(staff_client):
    response = staff_client.get(reverse("counter:search"), {"q": "Zhou" + NUL})

    assert response.status_code == 400
    assert "The search contains a character that cannot be searched for." in (
        response.content.decode()
    )


def test_an_overlong_search_is_refused(staff_client):
    response = staff_client.get(reverse("counter:search"), {"q": "9" * 5000})
    assert response.status_code == 400


def test_a_plain_search_still_works(staff_client):
    MemberFactory(name="Zhou Min")
    response = staff_client.get(reverse("counter:search"), {"q": "Zhou"})
    assert response.status_code == 200 and "Zhou Min" in response.content.decode()


def test_a_nul_byte_in_a_note_is_refused_and_nothing_is_written(staff_client, member):
    url = reverse("counter:member-notes", kwargs={"number": member.number})
    response = staff_client.post(url, {"text": "Called" + NUL + "back"})

    assert response.status_code == 400
    assert not MemberNote.objects.exists()


def test_the_note_service_refuses_nul_bytes_whoever_calls_it(member):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        member_note_create(member=member, text="a" + NUL, acting_user=StaffFactory())
    assert not MemberNote.objects.exists()


@pytest.mark.parametrize("code", ["vip" + NUL, NUL, "x" * 500, "商务"])
def test_a_hostile_tag_code_is_refused_and_nothing_is_written(staff_client, member, code):
    Tag.objects.create(code="vip", name_zh="贵宾", name_en="VIP", kind=Tag.Kind.STATIC)
    url = reverse("counter:member_tags", kwargs={"number": member.number})
    response = staff_client.post(url, {"tag": code, "action": "add"})

    assert response.status_code == 400
    assert not MemberTag.objects.exists()


@pytest.mark.parametrize("value", ["9" * 40, "-1", "1e3", "x\x00", "٣"])
def test_a_favourite_category_that_is_no_id_is_a_form_error(member_client, member, value):
    category = ServiceCategoryFactory(code="suit")
    data = {"express_preference": "never", "discount_sensitivity": "low"}
    response = member_client.post(
        reverse("customer:profile"), data | {"favourite_categories": [str(category.pk), value]}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["favourite_categories"]
    assert not member.favourite_categories.exists()


# --- checkout: the key, the money, the points ----------------------------------------------


@pytest.fixture
def suit(db):
    return ServiceCategoryFactory(code="suit", default_price=Decimal("45"))


def _checkout(client, member, suit, **extra):
    data = {
        f"qty_{suit.pk}": "1",
        f"amt_{suit.pk}": "",
        "pay_with": "cash",
        "key": "hostile-key-1",
        "confirm": "1",
    } | extra
    url = reverse("counter:checkout", kwargs={"number": member.number})
    return client.post(url, data)


def test_a_nul_byte_in_the_checkout_key_is_refused(staff_client, member, suit):
    response = _checkout(staff_client, member, suit, key="k" + NUL)

    assert response.status_code == 400
    assert not Order.objects.exists()


def test_an_order_too_large_for_its_points_is_refused_with_a_form_error(staff_client, member, suit):
    response = _checkout(staff_client, member, suit, **{f"amt_{suit.pk}": "9999999999.99"})

    assert response.status_code == 400
    assert "at most" in response.content.decode()
    assert not Order.objects.exists()


def test_an_order_at_the_configured_bound_is_accepted(staff_client, member, suit, settings):
    settings.PORTAL_MAX_ORDER_AMOUNT = Decimal("500.00")
    accepted = _checkout(staff_client, member, suit, **{f"amt_{suit.pk}": "500.00"})
    refused = _checkout(
        staff_client, member, suit, key="hostile-key-2", **{f"amt_{suit.pk}": "500.01"}
    )

    assert accepted.status_code == 302
    assert refused.status_code == 400
    assert Order.objects.get().total == Decimal("500.00")


def test_lines_that_add_up_past_the_bound_are_refused(staff_client, member, suit, settings):
    settings.PORTAL_MAX_ORDER_AMOUNT = Decimal("100.00")
    shirt = ServiceCategoryFactory(code="shirt", default_price=Decimal("12"))
    response = _checkout(
        staff_client,
        member,
        suit,
        **{f"amt_{suit.pk}": "60", f"qty_{shirt.pk}": "1", f"amt_{shirt.pk}": "60"},
    )

    assert response.status_code == 400
    assert not Order.objects.exists()


@pytest.mark.parametrize("amount", ["1e3", "1E3", "-5", "1_000", "NaN", "Infinity", "0x10", "1e-2"])
def test_money_must_be_written_as_plain_digits(staff_client, member, suit, amount):
    response = _checkout(staff_client, member, suit, **{f"amt_{suit.pk}": amount})

    assert response.status_code == 400
    assert not Order.objects.exists()


def test_counter_top_up_refuses_an_exponent(staff_client, member):
    url = reverse("counter:top-up", kwargs={"number": member.number})
    response = staff_client.post(url, {"amount": "1e3", "method": "cash", "key": "t1"})
    assert response.status_code == 400


# --- Stripe: correctly signed, oddly shaped --------------------------------------------------


@pytest.fixture
def stripe_on(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET


def _post_signed(client, payload: str):
    return client.post(
        reverse("payments:stripe_webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload, WEBHOOK_SECRET),
    )


@pytest.mark.parametrize(
    "event",
    [
        {"type": "checkout.session.completed", "data": {"object": {"id": "cs_1"}}},
        {"id": None, "type": "checkout.session.completed", "data": {"object": {}}},
        {"id": 12, "type": "x", "data": {"object": {}}},
        {"id": "evt_1" + NUL, "type": "x", "data": {"object": {}}},
        {"id": "e" * 300, "type": "x", "data": {"object": {}}},
        {"id": "evt_1", "type": ["checkout.session.completed"], "data": {"object": {}}},
        {"id": "evt_1", "type": "checkout.session.completed", "data": []},
        {"id": "evt_1", "type": "checkout.session.completed", "data": {"object": []}},
        {"id": "evt_1", "type": "checkout.session.completed", "data": {"object": "cs_1"}},
        {"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {"id": 5}}},
        {
            "id": "evt_1",
            "type": "checkout.session.completed",
            "data": {"object": {"id": "cs_1", "payment_intent": ["pi_1"]}},
        },
        {
            "id": "evt_1",
            "type": "charge.refunded",
            "data": {"object": {"payment_intent": "pi_1", "amount_refunded": "lots"}},
        },
        {
            "id": "evt_1",
            "type": "checkout.session.completed",
            "data": {"object": {"id": "cs_1", "amount_total": 1e30}},
        },
        [],
        ["evt_1"],
        "evt_1",
        12,
        None,
    ],
)
def test_a_signed_event_of_the_wrong_shape_is_a_400(client, stripe_on, event):
    response = _post_signed(client, json.dumps(event))

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_a_signed_payload_that_is_not_json_is_a_400(client, stripe_on):
    assert _post_signed(client, "{not json").status_code == 400


def test_a_well_shaped_unknown_event_is_still_recorded(client, stripe_on):
    event = {"id": "evt_ok", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}
    response = _post_signed(client, json.dumps(event))

    assert response.status_code == 200
    assert StripeEvent.objects.get().event_id == "evt_ok"
