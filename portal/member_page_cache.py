"""Member pages kept rendered in the shared cache until the member or the shop changes.

Building the dashboard costs a dozen milliseconds of ORM and template work; serving a kept
copy costs one cache round trip. A copy is kept with the versions of membership.member_pages
it was built under and served only while both are current, so a top-up, an order, a coupon,
a message read or an owner's edit shows on the next request. Copies also expire on their own
(MEMBER_PAGE_CACHE_SECONDS, and at the shop's midnight), for what changes with the clock alone
(an offer's start, a booking's time going by).

What differs between two responses of the same page -- the CSRF token and the CSP nonce -- is
kept as a slot and filled in per request. A request with a query string or with messages
waiting is built, never served from or kept in the cache.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import get_language

from membership.member_pages import member_pages_versions
from membership.selectors.roles import user_role_flags

CSRF_SLOT = "csrf-slot-4b1f0c9e"
NONCE_SLOT = "nonce-slot-4b1f0c9e"
KEY = "member-page:{page}:{member}:{user}:{lang}:{roles}:{day}:{extra}"


def _key(request: HttpRequest, *, page: str, member_id: int, extra: str) -> str:
    roles = user_role_flags(user=request.user)  # the top bar's Counter and Back office links
    return KEY.format(
        page=page,
        member=member_id,
        user=request.user.pk,
        lang=get_language(),
        roles=f"{roles.counter:d}{roles.back_office:d}",
        day=timezone.localdate(timezone=timezone.get_default_timezone()).isoformat(),
        extra=extra,
    )


def _keepable(request: HttpRequest, ignored: tuple[str, ...]) -> bool:
    messages = getattr(request, "_messages", None)
    return (
        settings.MEMBER_PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and not set(request.GET) - set(ignored)
        and not (messages is not None and len(messages))
    )


def _fill(request: HttpRequest, content: str, status: int, content_type: str) -> HttpResponse:
    content = content.replace(CSRF_SLOT, get_token(request))
    if NONCE_SLOT in content:
        content = content.replace(NONCE_SLOT, str(request._csp_nonce))
    return HttpResponse(content, status=status, content_type=content_type)


def member_page(
    request: HttpRequest,
    *,
    page: str,
    member_id: int | None | Callable[[], int | None],
    build: Callable[[dict], HttpResponse],
    extra: str = "",
    seconds: int | None = None,
    ignored_params: tuple[str, ...] = (),
) -> HttpResponse:
    """The member's ``page``: the kept copy when current, else ``build(slots)`` -- a render
    whose context includes ``slots`` -- kept for next time when it answers 200.

    ``extra`` tells copies of the same page apart (the card's time step); ``seconds`` caps
    how long a copy lives; ``ignored_params`` are query parameters that change nothing on the
    page (how the counter reached a member). ``member_id`` may be a function, called only
    when a copy may be kept."""
    if not _keepable(request, ignored_params):
        return build({})
    if callable(member_id):
        member_id = member_id()
    if member_id is None:
        return build({})
    key = _key(request, page=page, member_id=member_id, extra=extra)
    shop_version, member_version, kept = member_pages_versions(member_id=member_id, kept_key=key)
    if kept is not None and kept[:2] == (shop_version, member_version):
        return _fill(request, *kept[2:])
    response = build({"csrf_token": CSRF_SLOT})
    if response.status_code != 200 or response.streaming:
        return response
    content = response.content.decode(response.charset)
    nonce = getattr(request, "_csp_nonce", None)
    if nonce:  # generated while rendering: it is in the page
        content = content.replace(str(nonce), NONCE_SLOT)
    content_type = response["Content-Type"]
    lifetime = min(
        seconds or settings.MEMBER_PAGE_CACHE_SECONDS, settings.MEMBER_PAGE_CACHE_SECONDS
    )
    cache.set(key, (shop_version, member_version, content, 200, content_type), lifetime)
    return _fill(request, content, 200, content_type)
