from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q, QuerySet

from membership.models import User

COUNTER_PERMISSION = ("membership", "use_counter")
BACK_OFFICE_PERMISSION = ("wagtailadmin", "access_admin")


@dataclass(frozen=True)
class RoleFlags:
    counter: bool
    back_office: bool


def _holds(permission: tuple[str, str]) -> Exists:
    app_label, codename = permission
    return Exists(
        Permission.objects.filter(
            Q(user=OuterRef("pk")) | Q(group__user=OuterRef("pk")),
            content_type__app_label=app_label,
            codename=codename,
        )
    )


def users_with_role_flags() -> QuerySet[User]:
    """Users annotated with the staff areas they may enter, so loading the session's user
    answers both questions in the same query."""
    return User.objects.annotate(
        holds_counter=_holds(COUNTER_PERMISSION),
        holds_back_office=_holds(BACK_OFFICE_PERMISSION),
    )


def user_role_flags(*, user: User) -> RoleFlags:
    """Which staff areas a login may enter: free when the user came from
    users_with_role_flags() (the authentication backends load it so), else one query."""
    if not (user.is_authenticated and user.is_active):
        return RoleFlags(counter=False, back_office=False)
    if user.is_superuser:
        return RoleFlags(counter=True, back_office=True)
    if not hasattr(user, "holds_counter"):
        user = users_with_role_flags().get(pk=user.pk)
    return RoleFlags(counter=user.holds_counter, back_office=user.holds_back_office)
