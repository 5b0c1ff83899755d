"""A member's staff floor as the counter shows it (one query)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from loyalty.models import MemberTierState
from membership.models import Member, Tier, User


def floor_last_day(floor_until: datetime) -> date:
    """The last shop date a floor holds: `floor_until` is midnight (shop time) of the day after."""
    return timezone.localdate(floor_until) - timedelta(days=1)


@dataclass(frozen=True)
class MemberFloor:
    tier: Tier
    until: datetime | None  # the first moment it no longer holds; None: no end date
    last_day: date | None  # the last shop date it holds
    reason: str
    set_by: User | None
    active: bool


def member_tier_floor(*, member: Member, now: datetime | None = None) -> MemberFloor | None:
    """The member's floor (active, or ended but not removed), or None."""
    state = (
        MemberTierState.objects.select_related("floor_tier", "floor_set_by")
        .filter(member=member, floor_tier__isnull=False)
        .first()
    )
    if state is None:
        return None
    now = now or timezone.now()
    until = state.floor_until
    return MemberFloor(
        tier=state.floor_tier,
        until=until,
        last_day=floor_last_day(until) if until else None,
        reason=state.floor_reason,
        set_by=state.floor_set_by,
        active=until is None or now < until,
    )
