from dataclasses import dataclass
from functools import cache

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


def _holds_sql(permission: tuple[str, str]) -> tuple[str, tuple[str, str]]:
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
    return sql, permission


def _holds(permission: tuple[str, str]) -> RawSQL:
    return RawSQL(*_holds_sql(permission), output_field=BooleanField())


def _member_pk_sql() -> str:
    """The id of the user's member archive, if any (a unique index lookup)."""
    qn = connection.ops.quote_name
    return (
        f"SELECT m.id FROM {qn(Member._meta.db_table)} m"
        f" WHERE m.user_id = {qn(User._meta.db_table)}.id"
    )


def _member_pk() -> RawSQL:
    return RawSQL(_member_pk_sql(), (), output_field=BigIntegerField())


def users_with_role_flags() -> QuerySet[User]:
    """Users annotated with the staff areas they may enter and their member id, so loading
    the session's user answers all three in the same query (a kept member page is found
    from the member id alone)."""
    return User.objects.annotate(
        holds_counter=_holds(COUNTER_PERMISSION),
        holds_back_office=_holds(BACK_OFFICE_PERMISSION),
        member_pk=_member_pk(),
    )


@cache
def _session_user_sql() -> tuple[str, tuple[str, ...]]:
    """users_with_role_flags() for one id as a statement written once per process: loading
    the session's user is on every logged-in request, and the ORM took longer to build it
    than the database to answer it."""
    table = connection.ops.quote_name(User._meta.db_table)
    counter, counter_params = _holds_sql(COUNTER_PERMISSION)
    back_office, back_office_params = _holds_sql(BACK_OFFICE_PERMISSION)
    sql = (
        f"SELECT {table}.*, {counter} AS holds_counter, {back_office} AS holds_back_office,"
        f" ({_member_pk_sql()}) AS member_pk FROM {table} WHERE {table}.id = %s"
    )
    return sql, (*counter_params, *back_office_params)


def session_user(*, user_id) -> User | None:
    """The user with the id, annotated as users_with_role_flags() does (one query)."""
    sql, params = _session_user_sql()
    for user in User.objects.raw(sql, (*params, user_id)):
        user.holds_counter = bool(user.holds_counter)  # SQLite answers EXISTS with 0 or 1
        user.holds_back_office = bool(user.holds_back_office)
        return user
    return None


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
