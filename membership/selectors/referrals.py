"""Reading referrals: whose code is this, and how many friends a member brought."""

from dataclasses import dataclass

from django.db.models import Count, Q

from membership.models import Member, Referral
from membership.services.referrals import referral_code_normalize


@dataclass(frozen=True)
class ReferralCounts:
    joined: int
    qualified: int


def referrer_by_code(*, code: str) -> Member | None:
    """The member whose referral code this is (typed in any case, with spaces or a dash)."""
    normalized = referral_code_normalize(code)
    if not normalized:
        return None
    return Member.objects.select_related("user").filter(referral_code=normalized).first()


def referral_counts(*, member: Member) -> ReferralCounts:
    """Friends who signed up with the member's code, and those whose first order qualified."""
    counts = Referral.objects.filter(referrer=member).aggregate(
        joined=Count("id"), qualified=Count("id", filter=Q(qualified_at__isnull=False))
    )
    return ReferralCounts(joined=counts["joined"], qualified=counts["qualified"])
