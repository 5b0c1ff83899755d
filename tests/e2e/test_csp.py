"""Every member, counter and back-office page honours its Content-Security-Policy.

One browser, one logged-in context per role. Each page is opened and left to settle; any
`securitypolicyviolation` event, or a console message about the CSP or the
Permissions-Policy header, fails the test with the page and what was blocked.
"""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page
from wagtail.models import Page as WagtailPage

from loyalty.models import Package
from membership.models import Member, Order, ServiceCategory, Store, Tier
from portal.management.commands.demo_seed import (
    DEMO_MEMBER_PHONE,
    DEMO_NUMBER,
    DEMO_PASSWORD,
    OWNER_EMAIL,
    STAFF_EMAIL,
)
from tests.e2e.accounts import log_in_with_password
from tests.e2e.conftest import new_phone_context

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LISTEN = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolation(e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
    (e.sample ? " (" + e.sample + ")" : "") + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""
POLICY_MESSAGE = re.compile(r"Content[- ]Security[- ]Policy|Permissions-Policy|Refused to", re.I)


class PolicyWatch:
    """Collects CSP violations and policy console messages of a browser context, by page."""

    def __init__(self, context: BrowserContext):
        self.problems: list[str] = []
        self.current = ""
        context.expose_binding("__cspViolation", lambda source, text: self._add(text))
        context.add_init_script(LISTEN)

    def _add(self, text: str) -> None:
        self.problems.append(f"{self.current}: {text}")

    def watch(self, page: Page) -> Page:
        page.on(
            "console",
            lambda message: POLICY_MESSAGE.search(message.text) and self._add(message.text),
        )
        return page

    def visit(self, page: Page, url: str, *, status: int = 200) -> None:
        self.current = url
        response = page.goto(url)
        assert response is not None, url
        assert response.status == status, (url, response.status)
        page.wait_for_load_state("networkidle")


def logged_in(browser: Browser, base_url: str, login: str, **options) -> tuple[Page, PolicyWatch]:
    context = new_phone_context(browser, **options)
    watch = PolicyWatch(context)
    page = watch.watch(context.new_page())
    watch.current = "log in"
    log_in_with_password(page, base_url, login, DEMO_PASSWORD)
    return page, watch


@pytest.fixture
def demo_shop(db):
    call_command("demo_seed", members=12, stdout=StringIO())
    return Member.objects.get(number=DEMO_NUMBER)


def test_member_pages_honour_the_csp(live_server, browser, demo_shop, save_screenshot):
    base = live_server.url
    order = Order.objects.filter(member=demo_shop).first()
    page, watch = logged_in(browser, base, DEMO_MEMBER_PHONE.removeprefix("+86"))

    for name in (
        "dashboard", "card", "profile", "wallet", "points", "packages", "orders", "bookings",
        "booking-new",
    ):  # fmt: skip
        watch.visit(page, base + reverse(f"customer:{name}"))
    page.goto(base + reverse("customer:card"))
    page.locator("[data-offline-ready='1']").wait_for()  # service worker and its cache ran
    watch.visit(page, base + reverse("customer:order", kwargs={"number": order.number}))
    # The account pages the profile links to (allauth's, with its hidden form).
    for name in ("account_email", "account_change_phone", "account_change_password"):
        watch.visit(page, base + reverse(name))
    watch.visit(page, base + reverse("customer:dashboard"))
    save_screenshot(page, "dashboard-under-csp")

    assert watch.problems == []


def test_counter_pages_honour_the_csp(live_server, browser, demo_shop, save_screenshot):
    base = live_server.url
    order = Order.objects.filter(member=demo_shop).first()
    page, watch = logged_in(browser, base, STAFF_EMAIL, permissions=["camera"])
    number = {"number": demo_shop.number}

    watch.visit(page, base + reverse("counter:home"))
    watch.visit(page, base + reverse("counter:scan"), status=400)  # no code given: an error
    watch.visit(page, base + reverse("counter:search") + "?q=" + demo_shop.number)
    for name in ("member", "member-notes", "member_tags", "checkout", "top-up", "followup-new"):
        watch.visit(page, base + reverse(f"counter:{name}", kwargs=number))
    watch.visit(page, base + reverse("counter:order", kwargs={"number": order.number}))
    watch.visit(page, base + reverse("counter:followups"))
    # The tier and tag colours come from the nonce'd <style>, not style attributes.
    watch.visit(page, base + reverse("counter:member_tags", kwargs=number))
    save_screenshot(page, "tags-under-csp")
    watch.visit(page, base + reverse("counter:member", kwargs=number))
    save_screenshot(page, "panel-under-csp")

    assert watch.problems == []


def test_back_office_pages_honour_their_csp(live_server, browser, demo_shop, save_screenshot):
    base = live_server.url
    page, watch = logged_in(browser, base, OWNER_EMAIL, viewport={"width": 1280, "height": 800})
    tier = Tier.objects.order_by("rank").last()
    package = Package.objects.first()
    home = WagtailPage.objects.filter(depth=2).first().specific

    urls = [
        "/cms/",
        reverse("wagtailsnippets_membership_tier:list"),
        reverse("wagtailsnippets_membership_tier:edit", args=[tier.pk]),  # InlinePanel
        reverse("wagtailsnippets_membership_store:edit", args=[Store.objects.first().pk]),
        reverse(
            "wagtailsnippets_membership_servicecategory:edit",
            args=[ServiceCategory.objects.first().pk],
        ),
        reverse("wagtailsnippets_membership_member:list"),
        reverse("wagtailsnippets_membership_member:inspect", args=[demo_shop.pk]),
        "/cms/settings/loyalty/loyaltysettings/",
        reverse("wagtailsnippets_loyalty_coupontemplate:add"),
        reverse("wagtailsnippets_loyalty_topupbonusrule:add"),  # package chooser
        reverse("wagtailadmin_explore_root"),
        reverse("wagtailadmin_pages:edit", args=[home.pk]),  # Draftail, side panels
        reverse("wagtailimages:index"),
        reverse("wagtaildocs:index"),
        reverse("wagtailadmin_account"),
        reverse("wagtailadmin_reports:site_history"),
    ]
    if package is not None:
        urls.append(reverse("wagtailsnippets_loyalty_package:edit", args=[package.pk]))
    for url in urls:
        watch.visit(page, base + url)
    # The store form with its booking settings, weekly slots and appointment staff.
    watch.visit(page, base + reverse("wagtailsnippets_membership_store:edit",
                                     args=[Store.objects.filter(offers_appointments=True).first().pk]))  # fmt: skip
    save_screenshot(page, "store-edit-under-csp")
    # The tier form with a benefit added: the InlinePanel's script ran.
    watch.visit(page, base + reverse("wagtailsnippets_membership_tier:edit", args=[tier.pk]))
    page.locator("#id_benefits-ADD").click()
    save_screenshot(page, "tier-edit-under-csp")

    assert watch.problems == []


def test_the_watch_sees_a_violation(live_server, browser, demo_shop):
    """The checks above would pass on a browser that reported nothing: show that it reports."""
    base = live_server.url
    page, watch = logged_in(browser, base, DEMO_MEMBER_PHONE.removeprefix("+86"))
    watch.visit(page, base + reverse("customer:dashboard"))

    # allauth's one hidden form is allowed by its exact style (hash); nothing else is.
    page.evaluate("document.body.setAttribute('style', 'display: none')")
    page.wait_for_timeout(300)
    assert watch.problems == []
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.evaluate(
        "var s = document.createElement('script'); s.textContent = '1'; document.body.append(s)"
    )
    page.wait_for_timeout(300)

    assert any("style-src-attr" in problem for problem in watch.problems), watch.problems
    assert any("script-src" in problem for problem in watch.problems), watch.problems
