from dataclasses import dataclass
from decimal import Decimal

from membership.models import Member, User
from membership.selectors.followups import followups_open_annotations
from membership.selectors.tags import member_tags_prefetch


@dataclass(frozen=True)
class MemberSummary:
    member: Member
    points: int
    wallet_balance: Decimal
    wallet_currency: str | None


def member_summary(*, user: User) -> MemberSummary | None:
    """The member with tier and both balances, in one query (None for logins without a member)."""
    member = (
        Member.objects.select_related("tier", "tier_state", "points_account", "wallet_account")
        .filter(user=user)
        .first()
    )
    if member is None:
        return None
    points = getattr(member, "points_account", None)
    wallet = getattr(member, "wallet_account", None)
    return MemberSummary(
        member=member,
        points=points.balance if points else 0,
        wallet_balance=wallet.balance if wallet else Decimal("0"),
        wallet_currency=wallet.currency if wallet else None,
    )


def member_summary_by_number(*, number: str) -> MemberSummary | None:
    """The same summary found by member number (the counter's member panel), login included,
    in one query, plus one for the member's active tags (``member.active_tags``)."""
    member = (
        Member.objects.select_related(
            "tier", "tier_state", "user", "points_account", "wallet_account"
        )
        .annotate(**followups_open_annotations())
        .prefetch_related(member_tags_prefetch())
        .filter(number=number)
        .first()
    )
    if member is None:
        return None
    points = getattr(member, "points_account", None)
    wallet = getattr(member, "wallet_account", None)
    return MemberSummary(
        member=member,
        points=points.balance if points else 0,
        wallet_balance=wallet.balance if wallet else Decimal("0"),
        wallet_currency=wallet.currency if wallet else None,
    )
