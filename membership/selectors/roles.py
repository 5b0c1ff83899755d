from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import BigIntegerField, BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from membership.models import Member, User

COUNTER_PERMISSION = ("membership", "use_counter")
BACK_OFFICE_PERMISSION = ("wagtailadmin", "access_admin")


@dataclass(frozen=True)
class RoleFlags:
    counter: bool
    back_office: bool


def _holds(permission: tuple[str, str]) -> RawSQL:
    """Whether the outer user holds the permission, directly or through a group.

    The permission row is found by its natural key, then two EXISTS each correlated on
    ``user_id`` alone: index lookups of this user's few rows, whatever the number of members.
    (An OR of left joins over user and group rows read the whole user-group table, where every
    member sits in the Members group.) Written as SQL because it runs on every request: the
    ORM spent more time compiling the equivalent nested Exists than the database spent
    answering it.
    """
    qn = connection.ops.quote_name
    user = qn(User._meta.db_table)
    sql = (
        f"EXISTS (SELECT 1 FROM {qn(Permission._meta.db_table)} p"
        f" INNER JOIN {qn(ContentType._meta.db_table)} ct ON ct.id = p.content_type_id"
        " WHERE ct.app_label = %s AND p.codename = %s AND ("
        f"EXISTS (SELECT 1 FROM {qn(User.user_permissions.through._meta.db_table)} up"
        f" WHERE up.user_id = {user}.id AND up.permission_id = p.id)"
        f" OR EXISTS (SELECT 1 FROM {qn(User.groups.through._meta.db_table)} ug"
        f" INNER JOIN {qn(Group.permissions.through._meta.db_table)} gp"
        " ON gp.group_id = ug.group_id"
        f" WHERE ug.user_id = {user}.id AND gp.permission_id = p.id)))"
    )
    return RawSQL(sql, permission, output_field=BooleanField())


def _member_pk() -> RawSQL:
    """The id of the user's member archive, if any (a unique index lookup)."""
    qn = connection.ops.quote_name
    return RawSQL(
        f"SELECT m.id FROM {qn(Member._meta.db_table)} m"
        f" WHERE m.user_id = {qn(User._meta.db_table)}.id",
        (),
        output_field=BigIntegerField(),
    )


def users_with_role_flags() -> QuerySet[User]:
    """Users annotated with the staff areas they may enter and their member id, so loading
    the session's user answers all three in the same query (a kept member page is found
    from the member id alone)."""
    return User.objects.annotate(
        holds_counter=_holds(COUNTER_PERMISSION),
        holds_back_office=_holds(BACK_OFFICE_PERMISSION),
        member_pk=_member_pk(),
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
