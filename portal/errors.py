"""Error pages (403, 404, 500): styled, phone-width, in the visitor's language, each with a
way back to where that visitor starts (member, counter, back office or the shop's home)."""

from django.http import HttpResponse
from django.template import loader
from django.urls import reverse
from django.views.decorators.csrf import requires_csrf_token

from membership.selectors.roles import user_role_flags


def _home(request) -> str:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "/"
    flags = getattr(request, "role_flags", None) or user_role_flags(user=user)
    if flags.counter:
        return reverse("counter:home")
    if flags.back_office:
        return "/cms/"
    return reverse("customer:dashboard")


def _render(request, template: str, status: int, *, home: str) -> HttpResponse:
    body = loader.render_to_string(template, {"home_url": home}, request=request)
    return HttpResponse(body, status=status)


@requires_csrf_token
def permission_denied(request, exception=None):
    return _render(request, "403.html", 403, home=_home(request))


@requires_csrf_token
def page_not_found(request, exception=None):
    return _render(request, "404.html", 404, home=_home(request))


@requires_csrf_token
def server_error(request):
    # Whatever failed may be the database or a context processor: render without either
    # (no request context, no user lookup), like Django's own 500 view.
    body = loader.render_to_string("500.html", {"home_url": "/"})
    return HttpResponse(body, status=500)
