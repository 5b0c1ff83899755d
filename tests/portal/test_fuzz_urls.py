"""Fuzz every page of the member, counter and payments apps: no input ever answers a 500.

The URL patterns come from the URLconf (a new page is fuzzed without touching this file).
For each, hypothesis fills the path parameters with real values (so the view runs) or
hostile ones (NUL bytes, huge and negative numbers, overlong and unicode text), and sends
GET and POST requests whose fields are those the page's own forms show plus the usual
suspects (next, key, amount...), each left out, set to a value the page offers, or hostile.
Each request runs in a transaction that is rolled back, so every example sees the same shop.
It runs on SQLite and on PostgreSQL, which is the one that refuses NUL bytes.
"""

import json
import re
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty.services.wallet import wallet_top_up
from membership.models import FollowUpTask, Tag
from membership.services.cards import card_codes, card_get_or_create
from membership.services.followups import followup_create
from tests.factories import (
    MemberFactory,
    OrderFactory,
    OwnerFactory,
    ServiceCategoryFactory,
    StaffFactory,
)
from tests.fakestripe import FakeStripeServer, sign

pytestmark = pytest.mark.django_db

NAMESPACES = {"customer": "member", "counter": "staff", "payments": "member"}
WEBHOOK_SECRET = "whsec_fuzz"
EXAMPLES_PER_URL = 20  # random requests per URL, on top of the sweep below

# Names posted by views whose forms live on another page (refund, done, top-up, webhook).
USUAL_FIELDS = [
    "next", "note", "reason", "key", "confirm", "edit", "amount", "method", "text", "tag",
    "action", "q", "page", "code", "ref", "show", "receipt", "pay_with", "cash", "card",
]  # fmt: skip

HOSTILE = [
    "\x00", "a\x00b", "M000000001\x00", "%00", "1e3", "1E+308", "-1", "-0.01", "0", "00",
    "9999999999.99", "10000000000", "99999999999999999999999999", "-99999999999999999999",
    "NaN", "Infinity", "-Infinity", "0x10", "1_000", "１２", "٣", "1,5", "1.005", ".", "",
    " ", "\t\n", "../", "//evil.example/", "https://evil.example/", "javascript:alert(1)",
    "x", "followups", "counter:followups", "<script>alert(1)</script>", "' OR 1=1 --",
    "é" * 300, "9" * 5000, "😀", "\ud7ff", "null", "[]", "{}", "true",
]  # fmt: skip

# Sent in every field at once, on top of the random examples: values that broke pages
# before (PostgreSQL refuses NUL; points overflowed; "1e3" parsed as money). The first two,
# which break queries, are also sent in each of a page's own fields alone.
KILLERS = ["a\x00b", "9" * 40, "1e3", "-1", "é" * 300]
QUERY_KILLERS = KILLERS[:2]


def _with_nul(value: str) -> str:
    return value[: len(value) // 2] + "\x00" + value[len(value) // 2 :]


hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40).map(_with_nul),
    st.text(max_size=40),
    st.integers().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)


class _Fields(HTMLParser):
    """The field names of a page's forms and the values the page itself offers for them."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, set[str]] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag in ("input", "textarea", "button") and name:
            self.values.setdefault(name, set()).add(attrs.get("value") or "on")
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, set())
        elif tag == "option" and self._select:
            self.values[self._select].add(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def page_fields(html: str) -> dict[str, list[str]]:
    parser = _Fields()
    parser.feed(html)
    return {name: sorted(values) for name, values in parser.values.items()}


def _patterns(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def url_patterns() -> list[tuple[str, str, str, dict]]:
    """(namespace, name, "/counter/members/<member_number:number>/", converters) for each."""
    found = []
    for namespace in NAMESPACES:
        prefix, resolver = get_resolver().namespace_dict[namespace]
        for route, pattern in _patterns(resolver, prefix):
            found.append((namespace, pattern.name, "/" + route, pattern.pattern.converters))
    return found


PATTERNS = url_patterns()
_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def fill(route: str, values: dict[str, str]) -> str:
    return _PARAM.sub(lambda m: quote(str(values[m.group("name")]), safe=""), route)


@pytest.fixture
def shop(settings):
    """One of everything a page can show, and the real values for each path parameter."""
    fake = FakeStripeServer()
    stripe = fake.__enter__()
    settings.STRIPE_SECRET_KEY = stripe.api_key
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = stripe.url
    member = MemberFactory()
    wallet_top_up(member=member, amount=Decimal("300"), method="cash", idempotency_key="fuzz-seed")
    ServiceCategoryFactory(code="suit", default_price=Decimal("45"))
    ServiceCategoryFactory(code="shirt", default_price=Decimal("12"))
    order = OrderFactory(member=member)
    other_order = OrderFactory()
    task = followup_create(member=member, reason="Call back", source=FollowUpTask.Source.RULE)
    Tag.objects.create(code="vip", name_zh="贵宾", name_en="VIP", kind=Tag.Kind.STATIC)
    code = card_codes(card=card_get_or_create(member=member))[0].code
    yield {
        "member": member,
        "staff": StaffFactory(),
        "owner": OwnerFactory(),
        "real": {
            "member_number": [member.number, "M999999999"],
            "order_number": [order.number, other_order.number],
            "card_code": [code, "00000000"],
            "id": [task.pk, 999999],
        },
    }
    fake.__exit__(None, None, None)


def _login(client, shop, namespace: str):
    role = NAMESPACES[namespace]
    client.force_login(shop["member"].user if role == "member" else shop[role])


# Which of the shop's real values fits each typed path parameter (portal/converters.py).
KINDS = {
    "MemberNumberConverter": "member_number",
    "OrderNumberConverter": "order_number",
    "CardCodeConverter": "card_code",
    "IdConverter": "id",
}


def _path_values(converters: dict, shop) -> dict:
    """A strategy per path parameter: one of the shop's real values, or hostile text."""
    strategies = {}
    for name, converter in converters.items():
        real = shop["real"].get(KINDS.get(type(converter).__name__), [])
        strategies[name] = st.one_of(st.sampled_from(real), hostile_text) if real else hostile_text
    return strategies


def _real_path(route: str, converters: dict, shop) -> str:
    return fill(route, {k: shop["real"][KINDS[type(c).__name__]][0] for k, c in converters.items()})


def _answer(client, method: str, path: str, form: dict):
    """The response, in a transaction rolled back after it: every request sees the same shop."""
    with transaction.atomic():
        response = getattr(client, method)(path, form)
        transaction.set_rollback(True)
    return response


def _methods(client, path: str, page) -> list[str]:
    """The methods the view answers (the others are a 405 from its decorator)."""
    methods = [] if page.status_code == 405 else ["get"]
    if _answer(client, "post", path, {}).status_code != 405:
        methods.append("post")
    return methods


@pytest.mark.parametrize(
    ("namespace", "name", "route", "converters"),
    PATTERNS,
    ids=[f"{ns}:{name}" for ns, name, _route, _conv in PATTERNS],
)
def test_no_input_answers_a_500(client, shop, namespace, name, route, converters):
    _login(client, shop, namespace)
    real_path = _real_path(route, converters, shop)
    page = client.get(real_path)
    offered = page_fields(page.content.decode(errors="replace"))
    fields = sorted(set(offered) | set(USUAL_FIELDS))
    methods = _methods(client, real_path, page)
    assert methods, real_path

    # The sweep: each killer in every field at once, then in each of the page's fields alone.
    base = {field: values[0] for field, values in offered.items() if values}
    cases = [{field: killer for field in fields} for killer in KILLERS]
    cases += [base | {field: killer} for field in offered for killer in QUERY_KILLERS]
    for method in methods:
        for form in cases:
            response = _answer(client, method, real_path, form)
            assert response.status_code < 500, (method, real_path, form)

    path_values = _path_values(converters, shop)

    @settings(
        max_examples=EXAMPLES_PER_URL,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def request_is_answered(data):
        path = fill(route, {k: data.draw(s, label=k) for k, s in path_values.items()})
        method = data.draw(st.sampled_from(methods), label="method")
        form = {}
        for field in fields:
            choice = st.sampled_from(offered[field]) if offered.get(field) else hostile_text
            value = data.draw(st.one_of(st.none(), choice, hostile_text), label=field)
            if value is not None:
                form[field] = value
        response = _answer(client, method, path, form)
        assert response.status_code < 500, (method, path, form)

    request_is_answered()


def test_every_app_is_fuzzed():
    names = {(ns, name) for ns, name, _route, _conv in PATTERNS}
    assert {("customer", "order"), ("counter", "checkout"), ("payments", "stripe_webhook")} <= names
    assert len(PATTERNS) >= 25


# --- signed Stripe events: Stripe's signature, anything inside --------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["id", "object", "payment_intent"]) | st.text(max_size=8),
            children,
            max_size=3,
        )
    ),
    max_leaves=8,
)
event_types = st.sampled_from(
    [
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
        "charge.refunded",
        "customer.created",
    ]
)
session_objects = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values,
        "payment_intent": json_values,
        "payment_status": st.sampled_from(["paid", "unpaid"]) | json_values,
        "currency": st.sampled_from(["cny", "CNY"]) | json_values,
        "amount_total": st.integers() | json_values,
        "amount_refunded": st.integers() | json_values,
    },
)
events = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"id": st.text(max_size=20) | json_values, "type": event_types | json_values},
        optional={"data": st.fixed_dictionaries({}, optional={"object": session_objects})},
    ),
)


def test_no_signed_event_answers_a_500(client, shop):
    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(event=events)
    def event_is_answered(event):
        payload = json.dumps(event)
        with transaction.atomic():
            response = client.post(
                reverse("payments:stripe_webhook"),
                data=payload,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=sign(payload, WEBHOOK_SECRET),
            )
            transaction.set_rollback(True)
        assert response.status_code < 500, payload

    event_is_answered()
