import secrets

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from membership.models import Member, MemberEvent, Tier, User
from membership.roles import MEMBER_GROUP
from membership.services.events import member_event_record


def _new_member_number() -> str:
    # Short, unguessable and easy to read out at the counter.
    while True:
        number = "M" + "".join(secrets.choice("23456789") for _ in range(9))
        if not Member.objects.filter(number=number).exists():
            return number


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
