from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from loyalty.models import Entitlement, Package, PackageItem
from membership.models import Member


def packages_for_member(member: Member, *, now=None) -> QuerySet[Entitlement]:
    """Entitlements the member can still use, soonest-expiring first, with package and service."""
    now = now or timezone.now()
    return (
        Entitlement.objects.filter(member=member, remaining__gt=0)
        .exclude(expires_at__lte=now)
        .select_related("member_package__package", "category")
        .order_by("expires_at", "member_package_id", "category__sort_order", "id")
    )


def packages_on_sale() -> QuerySet[Package]:
    """Packages a member can buy now, in the owner's order, with their services (two queries)."""
    return (
        Package.objects.filter(is_active=True)
        .prefetch_related(
            Prefetch(
                "items", queryset=PackageItem.objects.select_related("category").order_by("id")
            )
        )
        .order_by("sort_order", "id")
    )
