"""Shared real-browser fixtures: Playwright driving Debian's Chromium at a phone viewport.

Every test in tests/e2e/ is marked `e2e` automatically. Tests use pytest-django's
`live_server`; pages are opened with `phone_page.goto(live_server.url + path)`.
"""

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse
# database access from the test body ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE_VIEWPORT = {"width": 390, "height": 844}
ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "test-artifacts"
E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium_args() -> list[str]:
    """Launch flags; a test module may override this fixture to add e.g. a fake camera."""
    return list(CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright, chromium_args: list[str]) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=chromium_args)
    yield browser
    browser.close()


def new_phone_context(browser: Browser, **overrides) -> BrowserContext:
    """A fresh phone-sized context (no cookies), Chinese by default like a shop's customers."""
    options = {
        "viewport": PHONE_VIEWPORT,
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
    }
    options.update(overrides)
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def phone_context(browser: Browser) -> Iterator[BrowserContext]:
    context = new_phone_context(browser)
    yield context
    context.close()


@pytest.fixture
def new_phone_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """`new_phone_page(**context_options)`: a page in its own fresh context (a second user)."""
    contexts: list[BrowserContext] = []

    def make(**overrides) -> Page:
        contexts.append(new_phone_context(browser, **overrides))
        return contexts[-1].new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def phone_page(phone_context: BrowserContext) -> Page:
    """A page in a 390x844 phone viewport (zh-CN, Asia/Shanghai)."""
    return phone_context.new_page()


@pytest.fixture
def save_screenshot(request) -> Callable[..., Path]:
    """`save_screenshot(page, "dashboard")` writes test-artifacts/<test>-dashboard.png."""

    def save(page: Page, name: str, *, full_page: bool = True) -> Path:
        ARTIFACTS_DIR.mkdir(exist_ok=True)
        test_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
        path = ARTIFACTS_DIR / f"{test_name}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return save
