"""Find a member at the counter by phone number, member number or name."""

import re

from django.db.models import Q, QuerySet
from phonenumber_field.phonenumber import PhoneNumber, to_python

from membership.models import Member, MemberAccessLog

_DIGITS = re.compile(r"\D+")
# Member numbers as typed from a card ("M234 567 892" too): letters, digits, '-' and '_'.
_NUMBER_TYPED = re.compile(r"[A-Za-z0-9_-]{1,20}")


def member_search(*, query: str) -> QuerySet[Member]:
    """Members matching the query, best first; an empty query matches nobody (paginate it).

    Digits search the phone number (any part of it, so the last four digits work) and the
    member number; anything else searches the name and the member number.
    """
    query = (query or "").strip()[:80]
    if not query:
        return Member.objects.none()
    digits = _DIGITS.sub("", query)
    # Member numbers are stored upper-case: an exact match uses the unique index (iexact
    # went through the trigram index, the slowest part of a search).
    on_member = Q(number=query.upper())
    by_phone = None
    if digits and len(digits) >= 3 and len(digits) >= len(query.replace(" ", "")) - 1:
        # Names are not searched for digits: PostgreSQL then guessed a thousand name matches
        # and read every member to join them.
        on_member |= Q(number__icontains=digits)
        by_phone = Member.objects.filter(user__phone__contains=digits).values("pk")
    else:
        on_member |= Q(name__icontains=query)
    # Each table's conditions on their own (an OR across the join to users could use no
    # index: every search read every member); trigram indexes serve each part on PostgreSQL.
    found = Member.objects.filter(on_member).values("pk")
    if by_phone is not None:
        found = found.union(by_phone)
    return (
        Member.objects.select_related("tier", "user")
        .filter(pk__in=found)
        .order_by("name", "number")
    )


def member_by_number_or_phone(*, text: str) -> tuple[Member, str] | None:
    """The member whose member number or whole phone number was typed, and which it was
    (``MemberAccessLog.How.NUMBER`` or ``.PHONE``); None if nobody (one query).

    Text without a digit is neither (member numbers and phones always have digits). A phone
    typed without a country code is read in PHONENUMBER_DEFAULT_REGION.
    """
    text = (text or "").strip()[:40]
    if not any(ch.isdigit() for ch in text):
        return None
    conditions = []
    compact = re.sub(r"\s+", "", text)
    if _NUMBER_TYPED.fullmatch(compact):
        conditions.append(Q(number=compact.upper()))
    phone = typed_phone(text=text)
    if phone:
        conditions.append(Q(user__phone=phone))
    if not conditions:
        return None
    found = list(Member.objects.select_related("user").filter(Q(*conditions, _connector=Q.OR))[:2])
    if not found:
        return None
    by_number = [m for m in found if m.number == compact.upper()]
    if by_number:
        return by_number[0], MemberAccessLog.How.NUMBER
    return found[0], MemberAccessLog.How.PHONE


def typed_phone(*, text: str) -> str | None:
    """The E.164 form of a whole phone number typed in any common way, else None."""
    phone = to_python((text or "").strip()[:40])  # "" for an empty field, not a PhoneNumber
    return phone.as_e164 if isinstance(phone, PhoneNumber) and phone.is_valid() else None
