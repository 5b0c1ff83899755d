"""What each reward rule did: rewards given, coupons redeemed, and the spend they brought."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from loyalty.models import CouponEvent, MemberCoupon, RewardRule


@dataclass(frozen=True)
class RuleEffectStats:
    rewards: int
    rewards_this_month: int
    value: Decimal
    coupons_issued: int
    coupons_redeemed: int
    redeemed_spend: Decimal

    @property
    def redemption_percent(self) -> int | None:
        if not self.coupons_issued:
            return None
        return round(100 * self.coupons_redeemed / self.coupons_issued)


def rule_coupons(rule: RewardRule):
    return MemberCoupon.objects.filter(source_type="reward_rule", source_id=str(rule.pk))


def rule_effect_stats(rule: RewardRule) -> RuleEffectStats:
    """Four queries, whatever the rule's history."""
    month_start = timezone.localdate().replace(day=1)
    firings = rule.firings.aggregate(n=Count("pk"), value=Coalesce(Sum("value"), Decimal("0")))
    this_month = rule.firings.filter(fired_at__date__gte=month_start).count()
    coupons = rule_coupons(rule)
    issued = coupons.count()
    used = CouponEvent.objects.filter(coupon__in=coupons, kind=CouponEvent.Kind.REDEEM).exclude(
        Exists(CouponEvent.objects.filter(reverses=OuterRef("pk")))
    )
    redeemed = used.aggregate(
        coupons=Count("coupon", distinct=True), spend=Coalesce(Sum("order_total"), Decimal("0"))
    )
    return RuleEffectStats(
        rewards=firings["n"],
        rewards_this_month=this_month,
        value=firings["value"],
        coupons_issued=issued,
        coupons_redeemed=redeemed["coupons"],
        redeemed_spend=redeemed["spend"],
    )
