"""The customer archive (客户档案) at the counter: everything about one member, one section at a
time (``?section=orders&page=3``), so a page costs the same few queries whether the member
has ten orders or ten thousand. Opening it is logged (who looked at whom, when)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from loyalty.selectors.archive import (
    archive_balances,
    archive_points_entries,
    archive_tier_changes,
    archive_wallet_entries,
)
from membership.message_words import message_text
from membership.selectors.archive import (
    archive_bookings,
    archive_complaints,
    archive_favourite_categories,
    archive_followups,
    archive_member,
    archive_messages,
    archive_notes,
    archive_orders,
    archive_tags,
)
from membership.services.access import member_archive_open_record, member_open_take
from portal.counter.lookup import lookups_limited
from portal.permissions import staff_required

PAGE_SIZE = 20
PROFILE = "profile"


@dataclass(frozen=True)
class Section:
    key: str
    label: Promise
    rows: Callable  # (member=...) -> QuerySet


SECTIONS = [
    Section("tiers", _("Tier history"), archive_tier_changes),
    Section("orders", _("Orders and feedback"), archive_orders),
    Section("points", _("Points"), archive_points_entries),
    Section("wallet", _("Stored value"), archive_wallet_entries),
    Section("bookings", _("Bookings and appointments"), archive_bookings),
    Section("messages", _("Messages sent"), archive_messages),
    Section("notes", _("Staff notes"), archive_notes),
    Section("followups", _("Follow-ups"), archive_followups),
    Section("complaints", _("Complaints"), archive_complaints),
]
_BY_KEY = {section.key: section for section in SECTIONS}


def _page(rows: QuerySet, number: str | None):
    # get_page turns junk, zero and too-large numbers into the first or last page.
    return Paginator(rows, PAGE_SIZE).get_page(number)


@require_GET
@staff_required
@lookups_limited
def member_archive(request, number: str):
    # Counted like opening the panel (free again right after it): a script cannot walk
    # through members' archives faster than their panels.
    member_open_take(staff=request.user, number=number)
    member = archive_member(number=number)
    if member is None:
        raise Http404
    member_archive_open_record(staff=request.user, member=member)

    key = request.GET.get("section", PROFILE)
    section = _BY_KEY.get(key)
    context = {
        "member": member,
        "sections": SECTIONS,
        "current": section.key if section else PROFILE,
    }
    if section is None:
        context.update(
            balances=archive_balances(member=member),
            tags=archive_tags(member=member),
            favourites=archive_favourite_categories(member=member),
        )
    else:
        page = _page(section.rows(member=member), request.GET.get("page"))
        if section.key == "messages":
            for message in page:
                message.text = message_text(message)
        context["page"] = page
    return render(request, "portal/counter/archive.html", context)
