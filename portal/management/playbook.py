"""The seed articles' playbook as reward rules: what the demo shop ships with, switched on.

Each entry is an ordinary rule the owner can open, dry-run, change or switch off in /cms/.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from loyalty.models import CouponTemplate, RewardRule, RuleEffect
from membership.models import ServiceCategory, Tier


@dataclass(frozen=True)
class CouponSpec:
    name_zh: str
    name_en: str
    amount_off: str | None = None
    min_spend: str = "0"
    free_category: str | None = None  # a category code: one free item
    scope_category: str | None = None
    uses: int = 1
    valid_days: int = 30


@dataclass(frozen=True)
class RuleSpec:
    code: str  # the coupon templates' and the demo's handle on the rule
    name_zh: str
    name_en: str
    trigger: str
    period: str
    coupon: CouponSpec | None = None
    points: int | None = None
    follow_up: tuple[str, str] | None = None
    message: tuple[str, str] | None = None
    conditions: dict = field(default_factory=dict)
    tiers: tuple[str, ...] = ()


PLAYBOOK = [
    RuleSpec(
        "step",
        "阶梯券：本月满300送50",
        "Step coupon: spend 300 this month, get 50 off",
        "order_completed",
        "month",
        coupon=CouponSpec("满200减50", "50 off an order of 200", amount_off="50", min_spend="200"),
        conditions={"spend_window": "this_month", "min_spend": Decimal("300")},
    ),
    RuleSpec(
        "win-back",
        "唤醒：90天未到店",
        "Win-back: no visit for 90 days",
        "daily",
        "absence",
        coupon=CouponSpec(
            "洗衬衫券（限1件，抵19.9元）",
            "Shirt cleaning (1 shirt, up to 19.9)",
            amount_off="19.9",
            scope_category="shirt",
        ),
        conditions={"min_days_since_visit": 90},
    ),
    RuleSpec(
        "streak",
        "连续6个月每月消费超500：3次衬衫熨烫",
        "Over 500 in each of 6 months: 3 free shirt pressings",
        "monthly_review",
        "month",
        coupon=CouponSpec(
            "免费衬衫熨烫（3次）",
            "3 free shirt pressings",
            free_category="shirt",
            uses=3,
            valid_days=90,
        ),
        conditions={"streak_months": 6, "streak_min_spend": Decimal("500")},
    ),
    RuleSpec(
        "birthday",
        "生日礼",
        "Birthday gift",
        "birthday",
        "year",
        coupon=CouponSpec("生日券：减30", "Birthday: 30 off", amount_off="30", valid_days=31),
        message=("生日快乐！送您一张30元生日券。", "Happy birthday! Here is 30 off, on us."),
    ),
    RuleSpec(
        "tier-up",
        "升级礼",
        "Tier upgrade gift",
        "tier_up",
        "each",
        coupon=CouponSpec("升级礼：减20", "Upgrade gift: 20 off", amount_off="20"),
    ),
    RuleSpec(
        "tier-down",
        "降级关怀：补偿券+回访",
        "Moved down: a make-up coupon and a call back",
        "tier_down",
        "each",
        coupon=CouponSpec(
            "关怀券：满100减30", "We miss you: 30 off 100", amount_off="30", min_spend="100"
        ),
        follow_up=("回访：了解到店减少的原因", "Call back: ask why they come less often"),
    ),
    RuleSpec(
        "basic-visit",
        "普通会员到店后减5元",
        "Basic tier: 5 off after each visit",
        "order_completed",
        "each",
        coupon=CouponSpec("下次减5元", "5 off your next order", amount_off="5", valid_days=60),
        tiers=("basic",),
    ),
    RuleSpec(
        "first-visit",
        "首次到店礼",
        "First-visit offer",
        "first_order",
        "ever",
        coupon=CouponSpec(
            "新客第二次到店减10", "New customer: 10 off your second visit", amount_off="10"
        ),
    ),
    RuleSpec(
        "referral",
        "推荐有礼",
        "Referral reward",
        "referral_qualified",
        "each",
        coupon=CouponSpec("推荐礼：减20", "Referral reward: 20 off", amount_off="20"),
        points=100,
    ),
]


def _template(spec: CouponSpec, categories: dict[str, ServiceCategory]) -> CouponTemplate:
    template, _ = CouponTemplate.objects.get_or_create(
        name_zh=spec.name_zh,
        defaults={
            "name_en": spec.name_en,
            "value_type": "free_item" if spec.free_category else "fixed",
            "amount_off": Decimal(spec.amount_off) if spec.amount_off else None,
            "min_spend": Decimal(spec.min_spend),
            "free_category": categories.get(spec.free_category),
            "scope_category": categories.get(spec.scope_category),
            "uses_per_coupon": spec.uses,
            "valid_days": spec.valid_days,
        },
    )
    return template


def playbook_install(*, enabled_at: datetime) -> dict[str, RewardRule]:
    """The playbook's rules (switched on since `enabled_at`) and their coupons; rules that
    exist (by name) are left as the owner has them."""
    categories = {c.code: c for c in ServiceCategory.objects.all()}
    tiers = {t.code: t for t in Tier.objects.all()}
    rules = {}
    for spec in PLAYBOOK:
        rule = RewardRule.objects.filter(name_zh=spec.name_zh).first()
        if rule is None:
            rule = RewardRule.objects.create(
                name_zh=spec.name_zh,
                name_en=spec.name_en,
                trigger=spec.trigger,
                period=spec.period,
                is_enabled=True,
                enabled_at=enabled_at,
                **spec.conditions,
            )
            rule.tiers.set([tiers[code] for code in spec.tiers if code in tiers])
            effects = []
            if spec.coupon:
                effects.append(
                    RuleEffect(kind="coupon", coupon_template=_template(spec.coupon, categories))
                )
            if spec.points:
                effects.append(RuleEffect(kind="points", points=spec.points))
            if spec.message:
                effects.append(
                    RuleEffect(kind="message", text_zh=spec.message[0], text_en=spec.message[1])
                )
            if spec.follow_up:
                effects.append(
                    RuleEffect(
                        kind="follow_up", text_zh=spec.follow_up[0], text_en=spec.follow_up[1]
                    )
                )
            for n, effect in enumerate(effects):
                effect.rule, effect.sort_order = rule, n
            RuleEffect.objects.bulk_create(effects)
        rules[spec.code] = rule
    return rules
