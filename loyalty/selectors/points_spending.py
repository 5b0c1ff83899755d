"""Reads for spending points: the balance that can be spent now, the owner's rule, the
points catalogue with what this member can afford."""

from datetime import datetime

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from loyalty.conf import loyalty_settings
from loyalty.engine.points_payment import PointsPaymentRule
from loyalty.models import MemberCoupon, PointsAccount, PointsEntry, PointsReward
from membership.models import Member

# MemberCoupon.source_type of a coupon taken in exchange for points (source_id: the reward).
REWARD_SOURCE = "points_reward"


def points_payment_rule() -> PointsPaymentRule:
    rule = loyalty_settings()
    return PointsPaymentRule(
        enabled=rule.points_payment_enabled,
        rate=rule.points_payment_rate,
        max_percent=rule.points_payment_max_percent,
        minimum=rule.points_payment_minimum,
    )


def points_spendable(*, member: Member, now: datetime | None = None) -> int:
    """The balance less lots already past their date that the nightly job has not expired
    yet (spending expires them first, so they cannot be spent)."""
    balance = (
        PointsAccount.objects.filter(member=member).values_list("balance", flat=True).first() or 0
    )
    if balance <= 0:
        return 0
    stale = (
        PointsEntry.objects.filter(
            account__member=member, amount__gt=0, expires_at__lte=now or timezone.now()
        )
        .annotate(used=Coalesce(Sum("consumed_by__points"), 0))
        .filter(amount__gt=F("used"))
        .order_by()
        .values_list("amount", "used")
    )
    return max(balance - sum(amount - used for amount, used in stale), 0)


def points_rewards_active() -> QuerySet[PointsReward]:
    return PointsReward.objects.filter(is_active=True).select_related("coupon_template")


def points_reward_exchanges(*, member: Member, reward_ids: list[int]) -> dict[int, int]:
    """How many times this member took each of these rewards: {reward id: count}."""
    rows = (
        MemberCoupon.objects.filter(
            member=member,
            source_type=REWARD_SOURCE,
            source_id__in=[str(pk) for pk in reward_ids],
        )
        .values("source_id")
        .annotate(n=Count("pk", filter=Q(member=member)))
        .order_by()
    )
    return {int(row["source_id"]): row["n"] for row in rows}


__all__ = [
    "REWARD_SOURCE",
    "points_payment_rule",
    "points_reward_exchanges",
    "points_rewards_active",
    "points_spendable",
]
