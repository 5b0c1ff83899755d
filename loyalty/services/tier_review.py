"""The monthly tier review: every member's decision from the pure engine, written set-based.

A fixed number of queries whatever the number of members (plus, per batch of moved members,
one SELECT that locks them, one UPDATE per pair of tiers moved between and one INSERT of
history rows). Decisions are written compare-and-set: a member promoted on an order or
floored by staff after the review decided keeps that move. A second run of the same period
writes nothing; a dry run writes nothing and reports the moves the real run makes (unless a
member moves in between).
"""

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock
from itertools import batched

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.engine.tier_review import MovementPolicy, Rule, TierState, review_decision
from loyalty.engine.tiers import MemberStats, months_needed
from loyalty.models import MemberTierState, TierChange, TierReviewRun
from loyalty.selectors.stats import member_rolling_stats, member_rolling_stats_by_member
from loyalty.services.tiers import tier_criteria
from membership.member_pages import member_pages_changed, shop_pages_changed
from membership.models import Member, MemberEvent, Tier, User
from membership.services.audit import audit_record
from membership.services.events import member_events_record_many

_BATCH = 1000
_COUNTED = {
    Rule.PROMOTION: "promoted",
    Rule.DEMOTION: "demoted",
    Rule.HOLD_EXPIRED: "demoted",
    Rule.HELD: "held",
    Rule.GRACE: "warned",
    Rule.FLOOR: "floored",
}


@dataclass(frozen=True)
class TierMove:
    member_id: int
    from_tier_id: int | None
    to_tier_id: int
    rule: Rule


@dataclass(frozen=True)
class TierReviewResult:
    period: date
    as_of: datetime
    dry_run: bool
    already_done: bool = False
    counts: dict[str, int] = field(default_factory=dict)  # reviewed, promoted, demoted, ...
    moves: list[TierMove] = field(default_factory=list)
    duration_ms: int = 0


def tier_policy(tier: Tier) -> MovementPolicy:
    return MovementPolicy(
        promote_on_order=tier.promote_on_order,
        demote_one_step=tier.demote_one_step,
        hold_months=tier.hold_months,
        grace=tier.grace_review,
        frequency_drop_months=tier.frequency_drop_months,
        frequency_drop_percent=tier.frequency_drop_percent,
    )


def _result_of(run: TierReviewRun) -> TierReviewResult:
    counts = {
        name: getattr(run, name)
        for name in ("reviewed", "promoted", "demoted", "held", "warned", "floored")
    }
    return TierReviewResult(
        period=run.period,
        as_of=run.as_of,
        dry_run=False,
        already_done=True,
        counts=counts,
        duration_ms=run.duration_ms,
    )


def _tiers_with(overrides: Sequence[Tier]) -> list[Tier]:
    """The stored tiers, each replaced by the override with its primary key (unsaved values
    the owner is trying out)."""
    tiers = {tier.pk: tier for tier in Tier.objects.all()}
    for tier in overrides:
        if tier.pk not in tiers:
            raise ValidationError(_("Only a stored tier can be tried with other values."))
        tiers[tier.pk] = tier
    return list(tiers.values())


def _decide_all(
    as_of: datetime, overrides: Sequence[Tier] = ()
) -> tuple[Counter, list[TierMove], set[int], set[int]]:
    """Every member's decision: (counts, moves, members to warn, members whose warning ends).

    `overrides` replace stored tiers of the same primary key (see `tier_review_run`).
    Members and their rolling statistics are read side by side in member id order, a chunk
    at a time (a merge of two sorted streams), and decided one by one: memory holds the
    moves, not every member's statistics, so it does not grow with the number of orders.
    """
    tiers = _tiers_with(overrides)
    if not tiers:
        raise ValidationError(_("Set up at least one tier before reviewing members."))
    criteria = sorted((tier_criteria(tier) for tier in tiers), key=lambda c: c.rank)
    policies = {tier.pk: tier_policy(tier) for tier in tiers}
    months = max(months_needed(criteria), *(2 * p.frequency_drop_months for p in policies.values()))
    saved = {  # only members with a warning or a floor have a row
        member_id: (warned_at is not None, floor_tier_id, floor_until)
        for member_id, warned_at, floor_tier_id, floor_until in MemberTierState.objects.values_list(
            "member_id", "warned_at", "floor_tier_id", "floor_until"
        )
    }
    stats = member_rolling_stats_by_member(as_of=as_of, months=months)
    stats_id, member_stats = next(stats, (None, None))
    empty = MemberStats()
    rules: Counter = Counter()
    moves: list[TierMove] = []
    warn, unwarn = set(), set()
    members = Member.objects.order_by("pk").values_list("pk", "tier_id", "tier_since")
    for member_id, tier_id, since in members.iterator(chunk_size=10_000):
        while stats_id is not None and stats_id < member_id:  # a member gone since: skip
            stats_id, member_stats = next(stats, (None, None))
        warned, floor, floor_until = saved.get(member_id, (False, None, None))
        state = TierState(
            tier=tier_id, since=since, warned=warned, floor=floor, floor_until=floor_until
        )
        decision = review_decision(
            stats=member_stats if stats_id == member_id else empty,
            tiers=criteria,
            policies=policies,
            state=state,
            as_of=as_of,
        )
        rules[decision.rule] += 1
        if decision.tier != tier_id:
            moves.append(TierMove(member_id, tier_id, decision.tier, decision.rule))
        if decision.warn and not warned:
            warn.add(member_id)
        elif warned and not decision.warn:
            unwarn.add(member_id)
    counts: Counter = Counter()
    if rules:
        counts["reviewed"] = rules.total()
    for rule, count in rules.items():
        if rule in _COUNTED:
            counts[_COUNTED[rule]] += count
    return counts, moves, warn, unwarn


def _still_stands(move: TierMove, tier_id: int | None, floor, ranks: dict, as_of) -> bool:
    """Whether a decision taken earlier in the run still holds for the member as they are now
    (locked): in the tier it was based on, and not below a floor staff set since (nor lifting
    to a floor staff removed or changed since)."""
    if tier_id != move.from_tier_id:
        return False  # moved meanwhile (promoted on an order, lifted by a floor)
    if move.to_tier_id not in ranks:
        return False  # the owner deleted the tier meanwhile
    floor_tier_id, floor_until = floor or (None, None)
    active = floor_tier_id is not None and (floor_until is None or as_of < floor_until)
    if move.rule == Rule.FLOOR:
        return active and floor_tier_id == move.to_tier_id
    return not active or ranks[move.to_tier_id] >= ranks.get(floor_tier_id, 0)


def _apply_moves(moves: list[TierMove], as_of: datetime) -> list[TierMove]:
    """Write the moves that still stand, compare-and-set; return them (in the given order).

    Members are locked in id order (the lock order's step 1, as every flow that moves a
    tier: the promotion on an order and a staff floor), then their tier and floor are read
    again: a member promoted or floored since the decision keeps what they have now. The
    UPDATE also only matches rows still in the tier the decision was based on.
    """
    ranks = dict(Tier.objects.values_list("pk", "rank"))
    applied: set[TierMove] = set()
    for batch in batched(sorted(moves, key=lambda m: m.member_id), _BATCH):
        ids = [m.member_id for m in batch]
        tiers_now = dict(
            Member.objects.select_for_update(no_key=True)
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", "tier_id")
        )
        floors = {
            member_id: (tier_id, until)
            for member_id, tier_id, until in MemberTierState.objects.filter(
                member_id__in=ids, floor_tier__isnull=False
            ).values_list("member_id", "floor_tier_id", "floor_until")
        }
        groups: dict[tuple[int | None, int], list[int]] = {}
        for move in batch:
            if move.member_id in tiers_now and _still_stands(
                move, tiers_now[move.member_id], floors.get(move.member_id), ranks, as_of
            ):
                groups.setdefault((move.from_tier_id, move.to_tier_id), []).append(move.member_id)
                applied.add(move)
        if groups:
            shop_pages_changed()  # many members at once: every kept member page goes
        for (from_tier_id, to_tier_id), member_ids in groups.items():
            Member.objects.filter(pk__in=member_ids, tier_id=from_tier_id).update(
                tier_id=to_tier_id, tier_since=as_of
            )
    return [move for move in moves if move in applied]


def _write(
    run: TierReviewRun, moves: list[TierMove], warn: set[int], unwarn: set[int]
) -> list[TierMove]:
    """Write the run's decisions; return the moves actually made (see `_apply_moves`)."""
    as_of = run.as_of
    moves = _apply_moves(moves, as_of)
    codes = dict(Tier.objects.values_list("pk", "code"))
    for batch in batched(moves, _BATCH):
        TierChange.objects.bulk_create(
            TierChange(
                member_id=m.member_id,
                from_tier_id=m.from_tier_id,
                to_tier_id=m.to_tier_id,
                reason=m.rule.value,
                review=run,
                occurred_at=as_of,
            )
            for m in batch
        )
        member_events_record_many(
            [
                MemberEvent(
                    member_id=m.member_id,
                    kind=MemberEvent.Kind.TIER_CHANGED,
                    occurred_at=as_of,
                    source_type="tier_review",
                    source_id=str(run.pk),
                    data={
                        "from": codes.get(m.from_tier_id),
                        "to": codes[m.to_tier_id],
                        "rule": m.rule.value,
                    },
                )
                for m in batch
            ]
        )
    # An upsert: a staff floor may create a member's row while the run is under way.
    MemberTierState.objects.bulk_create(
        [MemberTierState(member_id=pk, warned_at=as_of) for pk in sorted(warn)],
        batch_size=_BATCH,
        update_conflicts=True,
        unique_fields=["member"],
        update_fields=["warned_at"],
    )
    for batch in batched(unwarn, _BATCH):
        MemberTierState.objects.filter(member_id__in=batch).update(warned_at=None)
    return moves


def period_start(day: date) -> datetime:
    """Midnight at the start of `day` in the shop's time zone: when a review period starts."""
    return timezone.make_aware(datetime.combine(day, clock.min))


def current_period_start() -> datetime:
    """The start of this month in the shop's time zone (what the schedule reviews)."""
    return period_start(timezone.localdate().replace(day=1))


def tier_review_run(
    *,
    as_of: datetime,
    dry_run: bool = False,
    acting_user: User | None = None,
    tier_overrides: Sequence[Tier] = (),
) -> TierReviewResult:
    """Review every member at `as_of` (the start of the period, in the shop's time zone).

    The period is the local date of `as_of`; each period is reviewed once. A dry run may
    take `tier_overrides`: unsaved tiers (with a stored tier's primary key) decided with in
    place of the stored ones, so the owner sees what a change would do before saving it.
    """
    if timezone.is_naive(as_of):
        raise ValidationError(_("The review date needs a timezone."))
    if tier_overrides and not dry_run:
        raise ValueError("Only a dry run decides with unsaved tiers.")
    period = timezone.localdate(as_of)
    started = time.monotonic()
    if not dry_run and (done := TierReviewRun.objects.filter(period=period).first()):
        return _result_of(done)
    counts, moves, warn, unwarn = _decide_all(as_of, tier_overrides)
    duration_ms = int((time.monotonic() - started) * 1000)
    result = TierReviewResult(
        period=period,
        as_of=as_of,
        dry_run=dry_run,
        counts=dict(counts),
        moves=moves,
        duration_ms=duration_ms,
    )
    if dry_run:
        return result
    try:
        with transaction.atomic():
            run = TierReviewRun.objects.create(
                period=period, as_of=as_of, acting_user=acting_user, **counts
            )
            written = _write(run, moves, warn, unwarn)
            # A move that no longer stood (the member moved meanwhile) was not made: it is
            # not counted as one.
            not_made = set(moves) - set(written)
            counts.subtract(_COUNTED[m.rule] for m in not_made if m.rule in _COUNTED)
            moves = written
            for name, value in counts.items():
                setattr(run, name, value)
            run.duration_ms = int((time.monotonic() - started) * 1000)
            run.save(update_fields=[*counts, "duration_ms"])
            if acting_user is not None:
                audit_record(
                    actor=acting_user,
                    action="tier_review",
                    obj=run,
                    details={"period": period.isoformat(), **counts},
                )
    except IntegrityError:
        # Another run of this period committed first: it did the work.
        return _result_of(TierReviewRun.objects.get(period=period))
    return TierReviewResult(
        period=period,
        as_of=as_of,
        dry_run=False,
        counts=dict(counts),
        moves=moves,
        duration_ms=run.duration_ms,
    )


def tier_promote_on_order(*, member_id: int, order_number: str, at: datetime) -> TierChange | None:
    """Promote a member right after a completed order, into a tier that promotes on the order.

    Call inside the order's transaction, under the member lock (the lock order), so two
    orders completing at once promote once. `at` is just after the order's time.
    """
    tiers = list(Tier.objects.all())
    policies = {tier.pk: tier_policy(tier) for tier in tiers}
    if not any(policy.promote_on_order for policy in policies.values()):
        return None
    criteria = [tier_criteria(tier) for tier in tiers]
    member = Member.objects.only("pk", "tier_id", "tier_since").get(pk=member_id)
    stats = member_rolling_stats(as_of=at, months=months_needed(criteria), member_ids=[member_id])
    state = TierState(tier=member.tier_id, since=member.tier_since)
    decision = review_decision(
        stats=stats.get(member_id, MemberStats()),
        tiers=criteria,
        policies=policies,
        state=state,
        as_of=at,
        on_order=True,
    )
    if not decision.moves(state):
        return None
    Member.objects.filter(pk=member_id).update(tier_id=decision.tier, tier_since=at)
    member_pages_changed(member_id)
    change = TierChange.objects.create(
        member_id=member_id,
        from_tier_id=member.tier_id,
        to_tier_id=decision.tier,
        reason=Rule.PROMOTION.value,
        order_number=order_number,
        occurred_at=at,
    )
    codes = {tier.pk: tier.code for tier in tiers}
    member_events_record_many(
        [
            MemberEvent(
                member_id=member_id,
                kind=MemberEvent.Kind.TIER_CHANGED,
                occurred_at=at,
                source_type="order",
                source_id=order_number,
                data={
                    "from": codes.get(member.tier_id),
                    "to": codes[decision.tier],
                    "rule": "promotion",
                },
            )
        ]
    )
    return change
