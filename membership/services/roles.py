from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from wagtail.models import GroupPagePermission, Page

from membership.roles import (
    MEMBER_GROUP,
    OWNER_APPS,
    OWNER_EXTRA_PERMISSIONS,
    OWNER_GROUP,
    OWNER_PAGE_PERMISSIONS,
    STAFF_GROUP,
    STAFF_PERMISSIONS,
)


def _permissions(pairs: list[tuple[str, str]]) -> list[Permission]:
    query = Q(pk__in=[])
    for app_label, codename in pairs:
        query |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(query))


def _grant_page_tree(group: Group) -> None:
    """Page permissions on Wagtail's tree root: without them the owner cannot open /cms/pages/.
    A database without a tree yet (flushed) gets them on the next sync."""
    root = Page.get_first_root_node()
    if root is None:
        return
    for permission in _permissions([("wagtailcore", c) for c in OWNER_PAGE_PERMISSIONS]):
        GroupPagePermission.objects.get_or_create(group=group, page=root, permission=permission)


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
    _grant_page_tree(owner)
