"""Exchanging points for a coupon from the points catalogue.

Two ledgers move together: points out (``points_redeem``) and a coupon in (``coupon_issue``),
under the one lock order (the member row first, then the points account, then the new
coupon). The member's balance and the reward's per-member limit are checked under the member
lock, so two exchanges (or an exchange and a checkout) spending the same points wait for each
other and the second sees what the first spent. A retry with the same key returns the coupon
the first call gave and writes nothing.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from loyalty.lock_objects import lock_member
from loyalty.models import MemberCoupon, PointsReward
from loyalty.selectors.points_spending import (
    REWARD_SOURCE,
    points_reward_exchanges,
    points_spendable,
)
from loyalty.services._base import require_key
from loyalty.services.coupons import coupon_issue
from loyalty.services.points import points_redeem
from membership.models import Member


def _coupon_key(key: str) -> str:
    return f"{key}:coupon"


@transaction.atomic
def points_exchange(
    *,
    member: Member,
    reward: PointsReward,
    idempotency_key: str,
    acting_user=None,
    now: datetime | None = None,
) -> MemberCoupon:
    """Spend the reward's points and give the member its coupon; all or nothing."""
    key = require_key(idempotency_key)
    lock_member(member.pk)
    if done := MemberCoupon.objects.filter(idempotency_key=_coupon_key(key)).first():
        if done.member_id != member.pk or done.source_id != str(reward.pk):
            raise ValidationError(
                _("This request key was already used for a different operation."),
                code="key_reused",
            )
        return done
    reward = PointsReward.objects.select_related("coupon_template").filter(pk=reward.pk).first()
    if reward is None or not reward.is_active or not reward.coupon_template.is_active:
        raise ValidationError(_("This reward is no longer offered."), code="inactive")
    if reward.per_member_limit is not None:
        taken = points_reward_exchanges(member=member, reward_ids=[reward.pk]).get(reward.pk, 0)
        if taken >= reward.per_member_limit:
            raise ValidationError(
                _("You have already taken this reward %(limit)d times, the most allowed.")
                % {"limit": reward.per_member_limit},
                code="limit_reached",
            )
    spendable = points_spendable(member=member, now=now)
    if reward.points_cost > spendable:
        raise ValidationError(
            _("This reward costs %(cost)d points; you have %(points)d.")
            % {"cost": reward.points_cost, "points": spendable},
            code="not_enough_points",
        )
    source = {"source_type": REWARD_SOURCE, "source_id": str(reward.pk)}
    points_redeem(
        member=member,
        points=reward.points_cost,
        idempotency_key=f"{key}:points",
        acting_user=acting_user,
        reason=_("Exchanged for %(reward)s") % {"reward": reward.display_name},
        now=now,
        **source,
    )
    return coupon_issue(
        member=member,
        template=reward.coupon_template,
        idempotency_key=_coupon_key(key),
        acting_user=acting_user,
        now=now,
        **source,
    )


__all__ = ["points_exchange"]
