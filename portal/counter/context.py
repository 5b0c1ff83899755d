"""What every counter page passes to base.html."""

from membership.selectors.roles import RoleFlags, user_role_flags


def counter_roles(request) -> RoleFlags:
    """The top bar's role flags. `staff_required` already read them (one query) and kept them
    on the request; the `roles` context processor uses them too, so passing this is optional.
    """
    flags = getattr(request, "role_flags", None)
    return flags if flags is not None else user_role_flags(user=request.user)
