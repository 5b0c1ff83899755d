"""Security headers: CSP everywhere, Permissions-Policy per page, no-store on personal pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from loyalty.flows.package_sale import package_purchase
from loyalty.models import Package, PackageItem
from membership.models import Booking, FollowUpTask
from membership.services.followups import followup_create
from tests.factories import BookingFactory, MemberFactory, OrderFactory, ServiceCategoryFactory

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def permissions(response) -> dict[str, str]:
    return dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))


# --- Content-Security-Policy -----------------------------------------------------------------


def test_member_pages_allow_scripts_and_styles_only_from_the_site(member_client):
    response = member_client.get(reverse("customer:dashboard"))

    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    # 'self' and the page's nonce (used by the tier colour's <style>), nothing else
    for directive in ("script-src", "style-src"):
        assert csp[directive][0] == "'self'"
        assert [v.startswith("'nonce-") for v in csp[directive][1:]] == [True]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]


def test_a_page_with_a_tier_colour_styles_it_through_a_nonce(member_client, member):
    from tests.factories import TierFactory

    member.tier = TierFactory(badge_color="#b8860b")
    member.save()

    response = member_client.get(reverse("customer:dashboard"))

    nonce = directives(response)["style-src"][1]
    assert nonce.startswith("'nonce-") and nonce.endswith("'")
    body = response.content.decode()
    assert f'<style nonce="{nonce[7:-1]}">' in body
    assert "#b8860b" in body
    assert 'style="' not in body  # a style attribute would be blocked


def test_anonymous_pages_carry_the_policy_too(client):
    response = client.get(reverse("account_login"))

    assert directives(response)["script-src"] == ["'self'"]


def test_the_back_office_gets_wagtails_looser_policy_and_only_it(client, owner_user):
    client.force_login(owner_user)

    cms = directives(client.get("/cms/"))
    member_area = directives(client.get(reverse("counter:home")))

    assert cms["script-src"] == ["'self'", "'unsafe-inline'"]
    # The page editor inserts <style> elements at run time (the browser test walks it).
    assert cms["style-src"] == ["'self'", "'unsafe-inline'"]
    assert cms["frame-ancestors"] == ["'self'"] and cms["object-src"] == ["'none'"]
    assert member_area["script-src"] == ["'self'"]


def test_the_back_office_login_page_has_the_back_office_policy(client):
    response = client.get("/cms/login/")

    assert response.status_code == 200
    assert "'unsafe-inline'" in directives(response)["script-src"]


# --- Permissions-Policy ----------------------------------------------------------------------


def test_the_camera_is_off_on_member_pages(member_client):
    policy = permissions(member_client.get(reverse("customer:card")))

    assert policy["camera"] == "()"
    assert policy["microphone"] == "()"
    assert policy["geolocation"] == "()"


@pytest.mark.parametrize("name", ["counter:home", "counter:scan"])
def test_the_counter_scanner_pages_may_use_the_camera(client, staff_user, name):
    client.force_login(staff_user)

    policy = permissions(client.get(reverse(name)))

    assert policy["camera"] == "(self)"
    assert policy["microphone"] == "()"


def test_other_counter_pages_may_not_use_the_camera(client, staff_user):
    client.force_login(staff_user)

    assert permissions(client.get(reverse("counter:followups")))["camera"] == "()"
    assert permissions(client.get(reverse("counter:search")))["camera"] == "()"


def test_only_the_profile_page_may_ask_for_the_location(member_client):
    assert permissions(member_client.get(reverse("customer:profile")))["geolocation"] == "(self)"
    assert permissions(member_client.get(reverse("customer:wallet")))["geolocation"] == "()"


def test_permissions_policy_is_on_unrouted_responses_too(client):
    response = client.get("/no-such-page-here/")

    assert response.status_code == 404
    assert permissions(response)["camera"] == "()"


# --- Cache-Control: no-store on every page with personal data -------------------------------


def _url_names(prefix: str) -> list[tuple[str, list[str]]]:
    """(URL name, its parameter names) of every view under a top-level prefix such as 'me/'."""

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                if pattern.namespace and namespace:
                    inner = f"{namespace}:{pattern.namespace}"
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                yield name, list(pattern.pattern.regex.groupindex)

    (group,) = [p for p in get_resolver().url_patterns if str(p.pattern) == prefix]
    return sorted(
        set((name, tuple(params)) for name, params in walk(group.url_patterns, group.namespace))
    )


@pytest.fixture
def people(client, staff_user):
    member = MemberFactory()
    order = OrderFactory(member=member)
    task = followup_create(
        member=member,
        reason="Call back",
        source=FollowUpTask.Source.MANUAL,
        due_at=timezone.now() + timedelta(days=1),
        acting_user=staff_user,
    )
    package = Package.objects.create(code="shirts", name_zh="衬衫卡", price=Decimal("90"))
    PackageItem.objects.create(package=package, category=ServiceCategoryFactory(), quantity=3)
    sale = package_purchase(
        member=member,
        package=package,
        idempotency_key="sale",
        paid_by="cash",
        acting_user=staff_user,
    ).sale
    booking = BookingFactory(member=member, store=staff_user.store)
    appointment = BookingFactory(
        member=member,
        store=staff_user.store,
        kind=Booking.Kind.APPOINTMENT,
        address="",
        service=ServiceCategoryFactory(code="haircut"),
    )
    return {
        "member": member,
        "order": order,
        "task": task,
        "staff": staff_user,
        "sale": sale,
        "booking": booking,
        "appointment": appointment,
    }


def _kwargs(name: str, params: tuple[str, ...], people) -> dict[str, str]:
    values = {
        "pk": str(people["task"].pk),
        "code": "000000",
        "key": "no-such-key",
        "uidb36": "zz",
    }
    # Order pages take the order number, member pages the member number.
    if name == "counter:package-sale":
        values["pk"] = str(people["sale"].pk)
    view = name.rsplit(":", 1)[-1]
    if "booking" in view:  # the member's booking pages and the staff board's card
        values["pk"] = str(people["booking"].pk)
    if "appointment" in view:
        values["pk"] = str(people["appointment"].pk)
    number = people["order"].number if ":order" in name else people["member"].number
    return {p: (number if p == "number" else values[p]) for p in params}


def _assert_no_store(client, name, url):
    response = client.get(url)
    assert "no-store" in response.get("Cache-Control", ""), (name, url, response.status_code)
    return response


@pytest.mark.parametrize(
    ("prefix", "who"),
    [("me/", "member"), ("counter/", "staff"), ("payments/", "member"), ("accounts/", "member")],
)
def test_every_member_counter_payment_and_account_page_is_no_store(client, people, prefix, who):
    user = people["member"].user if who == "member" else people["staff"]
    names = _url_names(prefix)
    assert len(names) >= 4

    for name, params in names:
        client.force_login(user)  # the account pages include log-out
        _assert_no_store(client, name, reverse(name, kwargs=_kwargs(name, params, people)))


def test_every_back_office_page_is_no_store(client, owner_user):
    client.force_login(owner_user)
    client.raise_request_exception = False  # Wagtail's own errors are not what this checks
    # (wagtailadmin_error_test raises on purpose, to test error reporting)
    names = [n for n, params in _url_names("cms/") if not params and n != "wagtailadmin_error_test"]
    assert len(names) > 50

    checked = 0
    for name in names:
        response = client.get(reverse(name))
        if response.status_code >= 400:
            continue  # an error raised before or in Wagtail's view: no personal data
        assert "no-store" in response.get("Cache-Control", ""), name
        checked += 1
    assert checked > 40


def test_public_pages_stay_cacheable(client):
    response = client.get(reverse("service-worker"))

    assert "no-store" not in response.get("Cache-Control", "")
