"""Building reward rules in tests."""

from datetime import datetime, time
from decimal import Decimal

from django.utils import timezone

from loyalty.models import CouponTemplate, RewardRule, RuleEffect


def coupon_template(amount: str = "50", **kwargs) -> CouponTemplate:
    return CouponTemplate.objects.create(
        name_zh=kwargs.pop("name_zh", f"减{amount}"),
        name_en=kwargs.pop("name_en", f"{amount} off"),
        value_type="fixed",
        amount_off=Decimal(amount),
        valid_days=30,
        **kwargs,
    )


def start_of_today() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def make_rule(trigger: str, *, effects=None, tiers=(), tags=(), enabled=True, **fields):
    """A rule as the owner's form saves it: switched on today, rewarding with `effects`
    (a list of RuleEffect field dicts; by default one 50-off coupon)."""
    rule = RewardRule.objects.create(
        name_zh=fields.pop("name_zh", "规则"),
        name_en=fields.pop("name_en", "Rule"),
        trigger=trigger,
        is_enabled=enabled,
        enabled_at=start_of_today() if enabled else None,
        **fields,
    )
    rule.tiers.set(tiers)
    rule.tags.set(tags)
    for n, effect in enumerate(
        effects or [{"kind": "coupon", "coupon_template": coupon_template()}]
    ):
        RuleEffect.objects.create(rule=rule, sort_order=n, **effect)
    return rule
