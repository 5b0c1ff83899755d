"""Role checks for views: anonymous visitors go to log in, logged-in users without the role get 403."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from membership.selectors.roles import user_role_flags


def permission_required(perm: str):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def staff_required(view):
    """Counter views (membership.use_counter), checked in one query with the top bar's flags.

    has_perm would load user and group permissions in two queries, and the `roles` context
    processor would spend a third; the flags are kept on the request for it.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        flags = user_role_flags(user=request.user)
        if not flags.counter:
            raise PermissionDenied
        request.role_flags = flags
        return view(request, *args, **kwargs)

    return wrapped
