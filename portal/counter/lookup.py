"""Opening a member at the counter: count the lookup, remember how the member was reached,
log the access, and the page shown while a staff login's lookups are paused."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from membership.models import Member, MemberAccessLog, User
from membership.selectors.panel import member_by_number
from membership.services.access import (
    LookupRateLimited,
    member_access_record,
    member_open_take,
)

# Set by the views that found the member (card scan, number or phone in the scan field) for
# the panel they redirect to: in the session, so a link cannot claim it was a card scan.
_OPENED_VIA = "counter_opened_via"


def remember_opening(request: HttpRequest, *, number: str, how: str) -> None:
    request.session[_OPENED_VIA] = [number.upper(), how]


@dataclass(frozen=True)
class Opening:
    staff: User
    how: str
    first: bool  # first time this login opens this member in the current window

    def record(self, member: Member) -> None:
        if self.first:
            member_access_record(staff=self.staff, member=member, how=self.how)


def open_member(request: HttpRequest, number: str) -> Opening:
    """Call before reading the member's page. Raises LookupRateLimited."""
    via = request.session.get(_OPENED_VIA)
    if via and via[0] == number.upper():
        del request.session[_OPENED_VIA]
        # A card scan proves the member is here; a typed number was counted when it was typed.
        how, counted = via[1], True
    else:
        search = request.GET.get("via") == MemberAccessLog.How.SEARCH
        how = MemberAccessLog.How.SEARCH if search else MemberAccessLog.How.PANEL
        counted = False
    first = member_open_take(staff=request.user, number=number, counted=counted)
    return Opening(staff=request.user, how=how, first=first)


def lookups_paused(request: HttpRequest, error: LookupRateLimited) -> HttpResponse:
    return render(
        request, "portal/counter/lookups_paused.html", {"error": error.message}, status=429
    )


def counted_member(request: HttpRequest, number: str) -> Member:
    """The member a counter page is about, opened like the panel: counted against the staff
    login's lookup limit and logged (free again within the window for a member already open).
    Raises LookupRateLimited (see `lookups_limited`) or Http404."""
    opening = open_member(request, number)
    member = member_by_number(number=number)
    if member is None:
        raise Http404
    opening.record(member)
    return member


def lookups_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A counter view that opens a member answers the "lookups paused" page at the limit."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except LookupRateLimited as error:
            return lookups_paused(request, error)

    return wrapper
