from django.conf import settings
from django.utils.functional import SimpleLazyObject

from membership.selectors.roles import user_role_flags


def portal(request):
    # Lazy: pages that never show the staff links never pay the query.
    roles = getattr(request, "role_flags", None) or SimpleLazyObject(  # set by staff_required
        lambda: user_role_flags(user=request.user)
    )
    return {"PORTAL_CURRENCY": settings.PORTAL_CURRENCY, "roles": roles}
