import secrets
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from membership.models import Member, MemberEvent, Tier, User
from membership.roles import MEMBER_GROUP
from membership.services.events import member_event_record, member_events_record_many


def _member_number_candidate() -> str:
    # Short, unguessable and easy to read out at the counter.
    return "M" + "".join(secrets.choice("23456789") for _ in range(9))


def _new_member_number() -> str:
    while True:
        number = _member_number_candidate()
        if not Member.objects.filter(number=number).exists():
            return number


def new_member_numbers(count: int) -> list[str]:
    """`count` distinct member numbers no member has, in one query per draw (a second draw
    only for the rare number already taken)."""
    numbers: set[str] = set()
    while len(numbers) < count:
        candidates = set()
        while len(candidates) < count - len(numbers):
            candidate = _member_number_candidate()
            if candidate not in numbers:
                candidates.add(candidate)
        taken = set(Member.objects.filter(number__in=candidates).values_list("number", flat=True))
        numbers |= candidates - taken
    return list(numbers)


def default_tier() -> Tier | None:
    return Tier.objects.order_by("rank").first()


@transaction.atomic
def member_create(*, user: User, name: str = "", accepted_terms: bool = True) -> Member:
    """Give a new login its member archive, in the lowest tier, and put it in the Members
    group (as the demo seed does). Idempotent per user."""
    existing = Member.objects.filter(user=user).first()
    if existing:
        return existing
    # The group grants nothing: it names the role, as for the members the demo seed makes.
    user.groups.add(Group.objects.get_or_create(name=MEMBER_GROUP)[0])
    now = timezone.now()
    member = Member.objects.create(
        user=user,
        number=_new_member_number(),
        name=name,
        tier=default_tier(),
        tier_since=now,
        joined_at=now,
        consent_terms_at=now if accepted_terms else None,
    )
    member_event_record(member_id=member.pk, kind=MemberEvent.Kind.SIGNED_UP, occurred_at=now)
    return member


@dataclass(frozen=True)
class NewMember:
    user: User
    name: str = ""
    birthday: date | None = None
    tier: Tier | None = None  # None: the lowest tier, as member_create gives


@transaction.atomic
def members_create_many(*, new: list[NewMember]) -> list[Member]:
    """member_create for many new logins at once (an import): the same member (number,
    lowest tier unless one is given, joined now, no terms accepted, in the Members group)
    and the same SIGNED_UP event, in a fixed number of queries.

    The users must be saved and have no member yet: nobody else can see them before this
    transaction commits, so there is nothing to lock or to find already made."""
    if not new:
        return []
    group = Group.objects.get_or_create(name=MEMBER_GROUP)[0]
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=n.user.pk, group_id=group.pk) for n in new],
        batch_size=1000,
    )
    now = timezone.now()
    lowest = default_tier()
    members = Member.objects.bulk_create(
        [
            Member(
                user=n.user,
                number=number,
                name=n.name,
                birthday=n.birthday,
                tier=n.tier or lowest,
                tier_since=now,
                joined_at=now,
                consent_terms_at=None,
            )
            for n, number in zip(new, new_member_numbers(len(new)), strict=True)
        ],
        batch_size=1000,
    )
    member_events_record_many(
        [MemberEvent(member=m, kind=MemberEvent.Kind.SIGNED_UP, occurred_at=now) for m in members]
    )
    return members
