"""Security headers the portal adds on top of Django's own.

Content-Security-Policy is Django's (settings.SECURE_CSP, ContentSecurityPolicyMiddleware);
this module adds what Django does not ship: a Permissions-Policy header and the `no-store`
marking of the URL groups that show someone's personal data.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from wagtail.utils.urlpatterns import decorate_urlpatterns


def permissions_policy_for(view_name: str | None) -> str:
    """The header value for a page: the site default with that page's own allowances on top."""
    policy = dict(settings.PERMISSIONS_POLICY)
    policy.update(settings.PERMISSIONS_POLICY_PAGES.get(view_name or "", {}))
    return ", ".join(f"{feature}={allowlist}" for feature, allowlist in policy.items())


class PermissionsPolicyMiddleware:
    """Deny powerful browser features (camera, location...) except on the pages that use them.

    Keyed by URL name, so the whole policy reads in one place (settings) and a page that
    moves keeps its allowance.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        response.headers.setdefault(
            "Permissions-Policy", permissions_policy_for(match.view_name if match else None)
        )
        return response


def private_urls(urlconf_module):
    """Mark every view of a URL group `Cache-Control: no-store` (Django's never_cache).

    Member, counter, back-office and account pages show names, balances and phone numbers:
    no browser, shared computer or proxy may keep a copy. Done once per URL group, so a new
    view in the group cannot forget it.
    """
    decorate_urlpatterns(urlconf_module.urlpatterns, never_cache)
    return urlconf_module
