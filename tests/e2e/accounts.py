"""Logging in through allauth's real form, as a person would, for the browser tests."""

from django.urls import reverse
from playwright.sync_api import Page

FACTORY_PASSWORD = "correct horse battery"  # tests.factories.UserFactory's


def log_in_with_password(
    page: Page, base_url: str, login: str, password: str = FACTORY_PASSWORD
) -> None:
    """Fill the login form and wait until the browser has left it. Waiting only for the
    load state would return at once (the login page is already loaded), and the caller's
    next `goto` could then cancel the POST before its session cookie reached the browser."""
    login_path = reverse("account_login")
    page.goto(base_url + login_path)
    page.locator("[name='login']").fill(login)
    page.locator("details.more summary").click()  # "Use my password instead"
    page.locator("[name='password']").fill(password)
    page.get_by_test_id("login-password").click()
    page.wait_for_url(lambda url: not url.split("?")[0].endswith(login_path))
    if page.locator("[name='login']").count():
        raise AssertionError(f"still on a login form after logging in as {login}: {page.url}")
