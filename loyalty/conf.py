"""Loyalty configuration: the owner's settings (Wagtail) and the deployment's (env)."""

from babel.numbers import get_currency_precision
from django.conf import settings

from loyalty.models import LoyaltySettings


def currency() -> str:
    return settings.PORTAL_CURRENCY


def currency_places(code: str | None = None) -> int:
    """How many decimals the currency has (CNY 2, JPY 0)."""
    return min(2, get_currency_precision(code or currency()))


def loyalty_settings() -> LoyaltySettings:
    return LoyaltySettings.load()


def stripe_enabled() -> bool:
    """Online top-up is offered only when the deployment has Stripe keys."""
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)
