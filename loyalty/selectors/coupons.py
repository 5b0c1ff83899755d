from django.db.models import QuerySet
from django.utils import timezone

from loyalty.models import MemberCoupon
from membership.models import Member


def coupons_usable_for_member(member: Member, *, now=None) -> QuerySet[MemberCoupon]:
    now = now or timezone.now()
    return (
        MemberCoupon.objects.filter(
            member=member,
            status=MemberCoupon.Status.AVAILABLE,
            valid_from__lte=now,
            valid_until__gt=now,
        )
        .select_related("template")
        .order_by("valid_until", "id")
    )
