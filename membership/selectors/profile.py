from membership.models import Member, ServiceCategory, User


def member_profile_for_user(*, user: User) -> Member | None:
    """The member archive of this login (never anyone else's), ready for the profile page."""
    if not user.is_authenticated:
        return None
    return (
        Member.objects.select_related("user")
        .prefetch_related("favourite_categories")
        .filter(user=user)
        .first()
    )


def service_categories_for_profile():
    return ServiceCategory.objects.order_by("sort_order", "id")
