"""Find a member at the counter by phone number, member number or name."""

import re

from django.db.models import Q, QuerySet

from membership.models import Member

_DIGITS = re.compile(r"\D+")


def member_search(*, query: str) -> QuerySet[Member]:
    """Members matching the query, best first; an empty query matches nobody (paginate it).

    Digits search the phone number (any part of it, so the last four digits work) and the
    member number; anything else searches the name and the member number.
    """
    query = (query or "").strip()[:80]
    if not query:
        return Member.objects.none()
    digits = _DIGITS.sub("", query)
    condition = Q(number__iexact=query) | Q(name__icontains=query)
    if digits and len(digits) >= 3 and len(digits) >= len(query.replace(" ", "")) - 1:
        condition |= Q(user__phone__contains=digits) | Q(number__icontains=digits)
    return (
        Member.objects.select_related("tier", "user").filter(condition).order_by("name", "number")
    )
