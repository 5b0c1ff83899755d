from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from membership.roles import (
    MEMBER_GROUP,
    OWNER_APPS,
    OWNER_EXTRA_PERMISSIONS,
    OWNER_GROUP,
    STAFF_GROUP,
    STAFF_PERMISSIONS,
)


def _permissions(pairs: list[tuple[str, str]]) -> list[Permission]:
    query = Q(pk__in=[])
    for app_label, codename in pairs:
        query |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(query))


@transaction.atomic
def roles_sync() -> None:
    """Create the member, staff and owner groups and give them their permissions (idempotent)."""
    Group.objects.get_or_create(name=MEMBER_GROUP)
    staff, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    staff.permissions.set(_permissions(STAFF_PERMISSIONS))
    owner, _ = Group.objects.get_or_create(name=OWNER_GROUP)
    owner_permissions = set(Permission.objects.filter(content_type__app_label__in=OWNER_APPS))
    owner_permissions.update(_permissions(OWNER_EXTRA_PERMISSIONS))
    owner_permissions.update(_permissions(STAFF_PERMISSIONS))
    owner.permissions.set(owner_permissions)
