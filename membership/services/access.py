"""Counter lookups: how many members one staff login may look up, and who opened whom.

A lookup is one page of search results, a member number or phone number typed into the
scan field, or a member's page opened by address. ``COUNTER_LOOKUP_RATE_LIMITS`` (per staff
login) leaves a busy counter far below and stops a script walking through member numbers.
Opening a member whose card was just scanned is not counted: a valid card code proves the
member is standing at the counter. Opening the same member again within
``OPEN_WINDOW_SECONDS`` (a reload, back from checkout) is neither counted nor logged again.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from membership import ratelimit
from membership.models import Member, MemberAccessLog, User
from membership.services.audit import audit_record

logger = logging.getLogger(__name__)

OPEN_WINDOW_SECONDS = 10 * 60

LOOKUPS_PAUSED_MESSAGE = _(
    "You have looked up many members in a short time, so lookups are paused for a while. "
    "Scanning a member's card still works. If you were serving members as usual, tell the owner."
)


class LookupRateLimited(ValidationError):
    def __init__(self) -> None:
        super().__init__(LOOKUPS_PAUSED_MESSAGE, code="lookup_rate_limited")


def _rates() -> list[ratelimit.Rate]:
    return ratelimit.parse_rates(settings.COUNTER_LOOKUP_RATE_LIMITS)


def lookup_take(*, staff: User) -> None:
    """Count one lookup by ``staff``; LookupRateLimited (nothing counted) once a window is full."""
    if ratelimit.take(f"lookup:{staff.pk}", _rates()):
        return
    # Once per window: the owner sees who was stopped (audit), the log says when.
    window = int(ratelimit.now() // OPEN_WINDOW_SECONDS)
    if cache.add(f"lookup-paused:{staff.pk}:{window}", True, timeout=OPEN_WINDOW_SECONDS + 60):
        logger.warning(
            "Counter lookups paused for staff login %s: COUNTER_LOOKUP_RATE_LIMITS (%s) reached",
            staff.pk,
            settings.COUNTER_LOOKUP_RATE_LIMITS,
        )
        audit_record(
            actor=staff,
            action="counter.lookups_paused",
            details={"limits": settings.COUNTER_LOOKUP_RATE_LIMITS},
        )
    raise LookupRateLimited()


def _open_key(staff: User, number: str) -> str:
    # Hashed: the number comes from the URL; the window makes the key expire with it.
    digest = hashlib.sha256(number.upper().encode()).hexdigest()[:32]
    window = int(ratelimit.now() // OPEN_WINDOW_SECONDS)
    return f"counter-open:{staff.pk}:{digest}:{window}"


def member_open_take(*, staff: User, number: str, counted: bool = False) -> bool:
    """Call before a member's page is read. True if ``staff`` has not opened this member in
    the current window (record the access once the member is found); counted as a lookup
    unless ``counted`` (already counted by the scan field, or proven by a card scan).
    Raises LookupRateLimited."""
    if cache.get(_open_key(staff, number)) is not None:
        return False
    if not counted:
        lookup_take(staff=staff)
    return True


def member_access_record(*, staff: User, member: Member, how: str) -> MemberAccessLog:
    """Append who opened ``member``, how and at which store.

    One INSERT, atomic by itself: no transaction block (and its savepoint round trips) on
    the counter's busiest page.
    """
    if how not in MemberAccessLog.How.values:
        raise ValueError(f"unknown way of opening a member: {how!r}")
    cache.set(_open_key(staff, member.number), True, timeout=OPEN_WINDOW_SECONDS + 60)
    return MemberAccessLog.objects.create(
        staff=staff, member=member, how=how, store_id=getattr(staff, "store_id", None)
    )


def _archive_key(staff: User, member: Member) -> str:
    window = int(ratelimit.now() // OPEN_WINDOW_SECONDS)
    return f"archive-open:{staff.pk}:{member.pk}:{window}"


def member_archive_open_record(*, staff: User, member: Member) -> MemberAccessLog | None:
    """Log that ``staff`` opened ``member``'s archive: once per staff login, member and
    lookup window, so moving between its sections and pages adds no row. None when this
    opening was already logged."""
    # Paging through the archive right after opening it is not a new lookup either.
    cache.set(_open_key(staff, member.number), True, timeout=OPEN_WINDOW_SECONDS + 60)
    if not cache.add(_archive_key(staff, member), True, timeout=OPEN_WINDOW_SECONDS + 60):
        return None
    return MemberAccessLog.objects.create(
        staff=staff,
        member=member,
        how=MemberAccessLog.How.ARCHIVE,
        store_id=getattr(staff, "store_id", None),
    )
