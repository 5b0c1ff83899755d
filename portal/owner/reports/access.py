"""Who may see the owner's reports, and which store's numbers.

The Owner group (and a superuser) sees every store. Anyone else given the permission who works
at a store (``User.store``) sees that store only: the store filter is forced to it.
"""

from django.contrib.auth.models import AnonymousUser

from membership.roles import OWNER_GROUP

REPORTS_PERMISSION = "loyalty.view_owner_reports"


def reports_allowed(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(REPORTS_PERMISSION))


def reports_forced_store_id(user) -> int | None:
    """The only store this user may see, or None for every store."""
    if isinstance(user, AnonymousUser) or user.is_superuser or not user.store_id:
        return None
    if user.groups.filter(name=OWNER_GROUP).exists():
        return None
    return user.store_id
