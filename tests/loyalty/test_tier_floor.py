"""Staff floors: set and clear, the move up they make at once, their audit, the validation
that writes nothing, and the review that never demotes below an active floor."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from loyalty.engine.tier_review import Rule, shift_forward
from loyalty.models import MemberTierState, TierChange
from loyalty.selectors.tier_floor import floor_last_day, member_tier_floor
from loyalty.services.tier_floor import (
    floor_until_for,
    latest_floor_day,
    tier_floor_clear,
    tier_floor_set,
)
from loyalty.services.tier_review import period_start, tier_review_run
from membership.models import Member, MemberEvent, StaffAction, Tier
from tests.factories import MemberFactory, OwnerFactory, TierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiers():
    return (
        TierFactory(code="basic", rank=1),
        TierFactory(code="core", rank=2, min_spend="3000"),
        TierFactory(code="seed", rank=3, min_spend="10000"),
    )


def today() -> date:
    return timezone.localdate()


def long_ago() -> datetime:
    return timezone.now() - timedelta(days=400)


def first_of_next_month(day: date) -> date:
    return shift_forward(day.replace(day=1), 1)


def nothing_written(member: Member, tier: Tier | None) -> None:
    member.refresh_from_db()
    assert member.tier == tier
    assert not MemberTierState.objects.filter(member=member, floor_tier__isnull=False).exists()
    assert not TierChange.objects.exists()
    assert not MemberEvent.objects.filter(kind=MemberEvent.Kind.TIER_CHANGED).exists()
    assert not StaffAction.objects.exists()


# --- set -----------------------------------------------------------------------------------


def test_a_floor_above_the_members_tier_lifts_them_now_with_history_event_and_audit(
    tiers, staff_user
):
    basic, core, _seed = tiers
    member = MemberFactory(tier=basic, tier_since=long_ago())
    until = today() + timedelta(days=60)
    before = timezone.now()

    done = tier_floor_set(
        member=member, tier=core, until=until, reason="Wedding season VIP", acting_user=staff_user
    )

    member.refresh_from_db()
    assert member.tier == core and member.tier_since >= before
    state = MemberTierState.objects.get(member=member)
    assert (state.floor_tier, state.floor_reason, state.floor_set_by) == (
        core,
        "Wedding season VIP",
        staff_user,
    )
    # Through `until` in the shop's time zone: stored as the start of the day after.
    assert state.floor_until == period_start(until + timedelta(days=1))
    assert timezone.localtime(state.floor_until).time() == datetime.min.time()
    change = TierChange.objects.get(member=member)
    assert change == done.change
    assert (change.from_tier, change.to_tier, change.reason, change.acting_user) == (
        basic,
        core,
        Rule.FLOOR,
        staff_user,
    )
    event = MemberEvent.objects.get(member=member, kind=MemberEvent.Kind.TIER_CHANGED)
    assert event.data == {"from": "basic", "to": "core", "rule": "floor"}
    assert event.source_type == "tier_floor"
    audit = StaffAction.objects.get()
    assert (audit.action, audit.actor, audit.member) == ("tier_floor_set", staff_user, member)
    assert audit.details["tier"] == "core" and audit.details["until"] == until.isoformat()
    assert audit.details["moved_up"] == {"from": "basic", "to": "core"}


def test_a_member_without_a_tier_is_lifted_too(tiers, staff_user):
    _basic, core, _seed = tiers
    member = MemberFactory(tier=None)

    tier_floor_set(member=member, tier=core, until=today(), reason="VIP", acting_user=staff_user)

    member.refresh_from_db()
    assert member.tier == core
    assert TierChange.objects.get(member=member).from_tier is None


def test_a_floor_at_or_below_the_members_tier_moves_nobody(tiers, staff_user):
    basic, core, seed = tiers
    member = MemberFactory(tier=seed, tier_since=long_ago())
    since = member.tier_since

    for floor in (seed, core):
        done = tier_floor_set(
            member=member, tier=floor, until=today(), reason="keep", acting_user=staff_user
        )
        assert done.change is None

    member.refresh_from_db()
    assert (member.tier, member.tier_since) == (seed, since)
    assert not TierChange.objects.exists()
    assert not MemberEvent.objects.exists()
    assert MemberTierState.objects.get(member=member).floor_tier == core  # replaced
    replaced = StaffAction.objects.order_by("id").last()
    assert replaced.details["previous"]["tier"] == "seed"
    assert replaced.details["moved_up"] is None


def test_setting_a_floor_keeps_the_reviews_warning(tiers, staff_user):
    _basic, core, seed = tiers
    member = MemberFactory(tier=seed, tier_since=long_ago())
    warned = timezone.now() - timedelta(days=20)
    MemberTierState.objects.create(member=member, warned_at=warned)

    tier_floor_set(member=member, tier=core, until=today(), reason="keep", acting_user=staff_user)

    state = MemberTierState.objects.get(member=member)
    assert (state.warned_at, state.floor_tier) == (warned, core)


def test_the_owner_may_set_a_floor(tiers):
    _basic, core, _seed = tiers
    member = MemberFactory(tier=None)
    owner = OwnerFactory()

    tier_floor_set(member=member, tier=core, until=today(), reason="VIP", acting_user=owner)

    assert MemberTierState.objects.get(member=member).floor_set_by == owner


def test_the_last_day_and_24_months_ahead_are_allowed(tiers, staff_user):
    _basic, core, _seed = tiers
    member = MemberFactory(tier=core)
    latest = shift_forward(today(), 24)
    assert latest_floor_day() == latest

    tier_floor_set(member=member, tier=core, until=latest, reason="VIP", acting_user=staff_user)

    floor = member_tier_floor(member=member)
    assert floor.last_day == latest and floor.active
    assert floor_last_day(floor_until_for(latest)) == latest


# --- clear ---------------------------------------------------------------------------------


def test_clearing_a_floor_never_demotes_now_and_is_audited(tiers, staff_user):
    basic, core, _seed = tiers
    member = MemberFactory(tier=basic, tier_since=long_ago())
    tier_floor_set(member=member, tier=core, until=today(), reason="VIP", acting_user=staff_user)

    tier_floor_clear(member=member, acting_user=staff_user, reason="Agreement ended")

    member.refresh_from_db()
    assert member.tier == core
    state = MemberTierState.objects.get(member=member)
    assert (state.floor_tier, state.floor_until, state.floor_reason, state.floor_set_by) == (
        None,
        None,
        "",
        None,
    )
    assert member_tier_floor(member=member) is None
    assert TierChange.objects.filter(member=member).count() == 1  # only the lift
    cleared = StaffAction.objects.order_by("id").last()
    assert (cleared.action, cleared.member, cleared.actor) == (
        "tier_floor_clear",
        member,
        staff_user,
    )
    assert cleared.details == {
        "previous": {"tier": "core", "until": today().isoformat(), "reason": "VIP"},
        "reason": "Agreement ended",
    }


def test_clearing_without_a_floor_or_without_a_reason_writes_nothing(tiers, staff_user):
    _basic, core, _seed = tiers
    member = MemberFactory(tier=core)

    with pytest.raises(ValidationError) as no_floor:
        tier_floor_clear(member=member, acting_user=staff_user, reason="why not")
    assert no_floor.value.messages == ["This member has no tier floor to remove."]
    nothing_written(member, core)

    tier_floor_set(member=member, tier=core, until=today(), reason="VIP", acting_user=staff_user)
    with pytest.raises(ValidationError) as no_reason:
        tier_floor_clear(member=member, acting_user=staff_user, reason="  ")
    assert no_reason.value.messages == ["Give a reason, e.g. what was agreed with the member."]
    assert MemberTierState.objects.get(member=member).floor_tier == core
    assert StaffAction.objects.count() == 1


# --- validation ----------------------------------------------------------------------------


def _bad_inputs():
    yesterday = lambda: today() - timedelta(days=1)  # noqa: E731
    too_far = lambda: shift_forward(today(), 24) + timedelta(days=1)  # noqa: E731
    return [
        ({"tier": None}, "Choose the tier to keep the member at."),
        ({"tier": "unsaved"}, "Choose the tier to keep the member at."),
        ({"until": yesterday}, "The floor's last day cannot be in the past."),
        ({"until": too_far}, "A floor can last at most 24 months"),
        ({"until": lambda: timezone.now()}, "Enter the floor's last day as a date."),
        ({"until": lambda: "2027-01-01"}, "Enter the floor's last day as a date."),
        ({"reason": ""}, "Give a reason, e.g. what was agreed with the member."),
        ({"reason": " \n "}, "Give a reason, e.g. what was agreed with the member."),
        ({"reason": None}, "Give a reason, e.g. what was agreed with the member."),
        ({"reason": "x" * 256}, "Keep the reason to 255 characters or fewer."),
        ({"reason": "bad\x00byte"}, "The reason cannot contain control characters."),
        ({"actor": "member"}, "Only counter staff or the owner can change a member's tier floor."),
        ({"actor": None}, "Only counter staff or the owner can change a member's tier floor."),
    ]


@pytest.mark.parametrize(("change", "message"), _bad_inputs())
def test_bad_input_is_refused_with_a_clear_message_and_writes_nothing(
    tiers, staff_user, change, message
):
    basic, core, _seed = tiers
    member = MemberFactory(tier=basic)
    args = {"tier": core, "until": today() + timedelta(days=30), "reason": "VIP"}
    actor = staff_user
    for key, value in change.items():
        if key == "actor":
            actor = MemberFactory().user if value == "member" else None
        elif value == "unsaved":
            args[key] = Tier(code="ghost", rank=9)
        else:
            args[key] = value() if callable(value) else value

    with pytest.raises(ValidationError) as refused:
        tier_floor_set(member=member, acting_user=actor, **args)

    assert len(refused.value.messages) == 1
    assert refused.value.messages[0].startswith(message)
    nothing_written(member, basic)


def test_a_reason_of_exactly_255_characters_is_kept_whole(tiers, staff_user):
    _basic, core, _seed = tiers
    member = MemberFactory(tier=core)
    reason = "x" * 255

    tier_floor_set(
        member=member, tier=core, until=today(), reason=f"  {reason} ", acting_user=staff_user
    )

    assert MemberTierState.objects.get(member=member).floor_reason == reason


def test_a_tier_deleted_before_the_floor_is_saved_is_refused(tiers, staff_user):
    basic, _core, _seed = tiers
    member = MemberFactory(tier=basic)
    gone = TierFactory(code="gone", rank=9)
    Tier.objects.filter(pk=gone.pk).delete()

    with pytest.raises(ValidationError) as refused:
        tier_floor_set(
            member=member, tier=gone, until=today(), reason="VIP", acting_user=staff_user
        )

    assert refused.value.messages == ["That tier no longer exists. Choose another."]
    nothing_written(member, basic)


# --- the review and the floor --------------------------------------------------------------


def test_the_review_never_demotes_below_an_active_floor_and_does_once_it_ends(tiers, staff_user):
    basic, core, seed = tiers
    seed.demote_one_step = False  # by the rules alone: straight down to what was earned
    seed.save()
    member = MemberFactory(tier=seed, tier_since=long_ago())  # no orders: earns basic
    until = today() + timedelta(days=40)
    tier_floor_set(member=member, tier=core, until=until, reason="VIP", acting_user=staff_user)
    during = period_start(first_of_next_month(today()))
    after = period_start(first_of_next_month(until))
    assert during < floor_until_for(until) <= after

    kept = tier_review_run(as_of=during)

    member.refresh_from_db()
    assert member.tier == core  # demoted from seed, but not below the floor
    assert kept.counts["floored"] == 1 and kept.counts.get("demoted", 0) == 0
    change = TierChange.objects.get(member=member, review__isnull=False)
    assert (change.from_tier, change.to_tier, change.reason) == (seed, core, Rule.FLOOR)

    ended = tier_review_run(as_of=after)

    member.refresh_from_db()
    assert member.tier == basic
    assert ended.counts["demoted"] == 1 and ended.counts.get("floored", 0) == 0


def test_the_review_holds_a_member_at_the_floor_on_its_last_day(tiers, staff_user):
    """A floor through the last day of a month still holds at a review on that day, and
    not at the review at midnight after it."""
    basic, core, _seed = tiers
    member = MemberFactory(tier=core, tier_since=long_ago())
    until = first_of_next_month(today()) - timedelta(days=1)  # the last day of this month
    tier_floor_set(member=member, tier=core, until=until, reason="VIP", acting_user=staff_user)

    on_last_day = tier_review_run(as_of=period_start(until))
    at_midnight = tier_review_run(as_of=period_start(until + timedelta(days=1)))

    assert on_last_day.counts["floored"] == 1 and not on_last_day.moves
    assert at_midnight.counts["demoted"] == 1
    member.refresh_from_db()
    assert member.tier == basic
