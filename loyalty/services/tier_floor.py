"""A staff floor: staff or the owner keep a member at or above a tier until a date.

The review never gives a member a tier ranked below an active floor (the engine's
`_with_floor`); setting a floor above the member's tier moves them up at once. Clearing a
floor never demotes: the next review decides from the member's behaviour.

Dates are the shop's: a floor "until 30 June" holds through that whole day in the shop's time
zone. It is stored as `floor_until` = midnight at the start of the day after (1 July 00:00
local), the first moment it no longer holds, which is what the engine compares `as_of` with:
the review of 1 July no longer sees it, the review of 1 June does.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from loyalty.engine.tier_review import Rule, shift_forward
from loyalty.lock_objects import lock_member
from loyalty.models import MemberTierState, TierChange
from loyalty.selectors.tier_floor import floor_last_day
from loyalty.services.tier_review import period_start
from membership.member_pages import member_pages_changed
from membership.models import Member, MemberEvent, Tier, User
from membership.selectors.roles import user_role_flags
from membership.services.audit import audit_record
from membership.services.events import member_event_record

MAX_MONTHS_AHEAD = 24
REASON_MAX_LENGTH = MemberTierState._meta.get_field("floor_reason").max_length
_FLOOR_FIELDS = ["floor_tier", "floor_until", "floor_reason", "floor_set_by"]


@dataclass(frozen=True)
class FloorSet:
    state: MemberTierState
    change: TierChange | None  # the move up, when the floor ranked above the member's tier


def floor_until_for(until: date) -> datetime:
    """The first moment a floor "until `until`" (a shop date, inclusive) no longer holds."""
    return period_start(until + timedelta(days=1))


def latest_floor_day(today: date | None = None) -> date:
    """The latest end date a floor may have: `MAX_MONTHS_AHEAD` months from today."""
    return shift_forward(today or timezone.localdate(), MAX_MONTHS_AHEAD)


def _clean_reason(reason: str) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError(
            _("Give a reason, e.g. what was agreed with the member."), code="reason"
        )
    reason = reason.strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("Keep the reason to %(max)d characters or fewer.") % {"max": REASON_MAX_LENGTH},
            code="reason",
        )
    if any(ord(char) < 32 and char not in "\t\r\n" for char in reason):
        raise ValidationError(_("The reason cannot contain control characters."), code="reason")
    return reason


def _check_actor(acting_user: User | None) -> None:
    if acting_user is None or not user_role_flags(user=acting_user).counter:
        raise ValidationError(
            _("Only counter staff or the owner can change a member's tier floor."),
            code="permission",
        )


def _check_until(until: date) -> None:
    if not isinstance(until, date) or isinstance(until, datetime):
        raise ValidationError(_("Enter the floor's last day as a date."), code="until")
    today = timezone.localdate()
    if until < today:
        raise ValidationError(_("The floor's last day cannot be in the past."), code="until")
    latest = latest_floor_day(today)
    if until > latest:
        raise ValidationError(
            _("A floor can last at most %(months)d months: choose a last day until %(date)s.")
            % {"months": MAX_MONTHS_AHEAD, "date": date_format(latest, "SHORT_DATE_FORMAT")},
            code="until",
        )


def _locked_member(member: Member) -> Member:
    """The member row locked (the lock order's step 1) and read again after the lock, so the
    tier is the one committed by whoever held the lock before."""
    lock_member(member.pk)
    fresh = Member.objects.select_related("tier").filter(pk=member.pk).first()
    if fresh is None:
        raise ValidationError(_("This member no longer exists."), code="member")
    return fresh


def _floor_details(state: MemberTierState | None) -> dict:
    if state is None or state.floor_tier_id is None:
        return {}
    return {
        "tier": state.floor_tier.code,
        "until": floor_last_day(state.floor_until).isoformat() if state.floor_until else None,
        "reason": state.floor_reason,
    }


def tier_floor_set(
    *, member: Member, tier: Tier | None, until: date, reason: str, acting_user: User
) -> FloorSet:
    """Keep `member` at or above `tier` through the shop date `until` (inclusive), because of
    `reason`. Replaces the member's floor if they had one.

    A floor ranked above the member's tier moves them up now (a FLOOR `TierChange` by
    `acting_user` and a TIER_CHANGED event); one at or below it only stops the review from
    demoting them below it. Raises ValidationError, writing nothing, on a bad input.
    """
    _check_actor(acting_user)
    reason = _clean_reason(reason)
    if not isinstance(tier, Tier) or tier.pk is None:
        raise ValidationError(_("Choose the tier to keep the member at."), code="tier")
    _check_until(until)
    floor_until = floor_until_for(until)
    with transaction.atomic():
        current = _locked_member(member)
        tier = Tier.objects.filter(pk=tier.pk).first()  # still there, with its current rank
        if tier is None:
            raise ValidationError(_("That tier no longer exists. Choose another."), code="tier")
        state, _created = MemberTierState.objects.select_related("floor_tier").get_or_create(
            member_id=current.pk
        )
        before = _floor_details(state)
        state.floor_tier, state.floor_until = tier, floor_until
        state.floor_reason, state.floor_set_by = reason, acting_user
        state.save(update_fields=_FLOOR_FIELDS)  # never warned_at: the review owns it
        change = None
        if current.tier is None or tier.rank > current.tier.rank:
            change = _move_up(member=current, to=tier, acting_user=acting_user, state=state)
        audit_record(
            actor=acting_user,
            action="tier_floor_set",
            member=current,
            obj=state,
            details={
                **_floor_details(state),
                "previous": before or None,
                "moved_up": _move_details(change),
            },
        )
    return FloorSet(state=state, change=change)


def _move_details(change: TierChange | None) -> dict | None:
    if change is None:
        return None
    return {
        "from": change.from_tier.code if change.from_tier else None,
        "to": change.to_tier.code,
    }


def _move_up(*, member: Member, to: Tier, acting_user: User, state: MemberTierState) -> TierChange:
    now = timezone.now()
    Member.objects.filter(pk=member.pk).update(tier=to, tier_since=now)
    member_pages_changed(member.pk)
    change = TierChange.objects.create(
        member_id=member.pk,
        from_tier=member.tier,
        to_tier=to,
        reason=Rule.FLOOR.value,
        acting_user=acting_user,
        occurred_at=now,
    )
    member_event_record(
        member_id=member.pk,
        kind=MemberEvent.Kind.TIER_CHANGED,
        occurred_at=now,
        source_type="tier_floor",
        source_id=state.pk,
        data={
            "from": member.tier.code if member.tier else None,
            "to": to.code,
            "rule": Rule.FLOOR.value,
        },
    )
    return change


def tier_floor_clear(*, member: Member, acting_user: User, reason: str) -> MemberTierState:
    """Remove the member's floor (an active or an ended one). The member keeps their tier
    until the next review decides. Raises ValidationError, writing nothing, when the member
    has no floor or the reason is missing."""
    _check_actor(acting_user)
    reason = _clean_reason(reason)
    with transaction.atomic():
        current = _locked_member(member)
        state = (
            MemberTierState.objects.select_related("floor_tier")
            .filter(member_id=current.pk, floor_tier__isnull=False)
            .first()
        )
        if state is None:
            raise ValidationError(_("This member has no tier floor to remove."), code="no_floor")
        before = _floor_details(state)
        state.floor_tier = state.floor_until = state.floor_set_by = None
        state.floor_reason = ""
        state.save(update_fields=_FLOOR_FIELDS)
        audit_record(
            actor=acting_user,
            action="tier_floor_clear",
            member=current,
            obj=state,
            details={"previous": before, "reason": reason},
        )
    return state
