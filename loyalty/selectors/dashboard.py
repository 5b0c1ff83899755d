from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from membership.models import Member, Tier, User
from membership.selectors.followups import followups_open_annotations
from membership.selectors.rows import one_or_none


@dataclass(frozen=True)
class MemberSummary:
    member: Member
    points: int
    wallet_balance: Decimal
    wallet_currency: str | None


def _members(*related: str, tiers: Mapping[int, Tier] | None) -> QuerySet[Member]:
    # Given the tiers (the cached tier rules' ``by_pk``), the tier row is not joined again.
    joined = ("tier_state", "points_account", "wallet_account", *related)
    return Member.objects.select_related(*joined if tiers is not None else ("tier", *joined))


def _summary(member: Member | None, tiers: Mapping[int, Tier] | None) -> MemberSummary | None:
    if member is None:
        return None
    if tiers is not None and member.tier_id in tiers:
        member.tier = tiers[member.tier_id]
    points = getattr(member, "points_account", None)
    wallet = getattr(member, "wallet_account", None)
    return MemberSummary(
        member=member,
        points=points.balance if points else 0,
        wallet_balance=wallet.balance if wallet else Decimal("0"),
        wallet_currency=wallet.currency if wallet else None,
    )


def member_summary(*, user: User, tiers: Mapping[int, Tier] | None = None) -> MemberSummary | None:
    """The member with tier and both balances, in one query (None for logins without a member).
    Pass ``tiers`` (the cached tier rules' ``by_pk``) to take the tier from there."""
    return _summary(one_or_none(_members(tiers=tiers).filter(user=user)), tiers)


def member_summary_by_number(
    *, number: str, tiers: Mapping[int, Tier] | None = None
) -> MemberSummary | None:
    """The same summary found by member number (the counter's member panel), with the login,
    the open follow-ups (see followups_open_annotations) and the segment (``member.segment``,
    missing before the first recompute), in one query."""
    member = one_or_none(
        _members("user", "segment", tiers=tiers)
        .annotate(**followups_open_annotations())
        .only(*_PANEL_FIELDS)
        .filter(number=number)
    )
    return _summary(member, tiers)


# What the panel shows and the tier outlook reads, and nothing else: a quarter of the columns,
# half the cost of the scan's busiest query (another field is one query more when read).
_PANEL_FIELDS = (
    "number",
    "name",
    "tier_id",
    "tier_since",
    "user__phone",
    "tier_state__warned_at",
    "tier_state__floor_tier_id",
    "tier_state__floor_until",
    "points_account__balance",
    "wallet_account__currency",
    "wallet_account__principal",
    "wallet_account__bonus",
    "segment__lifecycle_stage",
    "segment__value_group",
)
