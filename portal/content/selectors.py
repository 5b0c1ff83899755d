from django.db.models import Q
from django.utils import timezone

from membership.models import Member

from .models import OfferPage


def offers_for_member(*, member: Member, limit: int = 5) -> list[OfferPage]:
    """Live offers for the member's tier (or for everyone), newest first, in one query."""
    now = timezone.now()
    targeted = Q(tiers__isnull=True)
    if member.tier_id:
        targeted |= Q(tiers=member.tier_id)
    return list(
        OfferPage.objects.live()
        .filter(targeted, valid_from__lte=now)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .distinct()
        .order_by("-valid_from")
        .only("id", "title", "summary", "valid_until", "url_path", "path", "depth")[:limit]
    )
