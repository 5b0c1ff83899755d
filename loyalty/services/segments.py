"""Recompute segments: every member nightly, one member after an order.

Set-based whatever the number of members: one GROUP BY over the completed orders, one read of
the members, one of the dynamic tags they carry, then batched upserts and deletes. The
decisions (stage, scores, matrix, tag rules) are ``loyalty.engine.segments``; dynamic
``MemberTag`` rows are written here and nowhere else.
"""

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from loyalty.engine import segments as engine
from loyalty.engine.tiers import shift_months
from loyalty.models import DynamicTagRule, MemberSegment, SegmentRun, SegmentSettings
from loyalty.models.segments import MatrixLine
from membership.member_pages import member_pages_changed, shop_pages_changed
from membership.models import Member, MemberTag, Order, Tag

BATCH = 5000
SEGMENT_FIELDS = [
    "lifecycle_stage",
    "value_group",
    "recency_score",
    "frequency_score",
    "monetary_score",
    "last_order_at",
    "orders_in_window",
    "spend_in_window",
    "computed_at",
]


@dataclass(frozen=True)
class SegmentRunResult:
    run_id: int
    members: int
    tags_added: int
    tags_removed: int
    duration_ms: int
    cutoffs: engine.Cutoffs


def month_start(now: datetime) -> datetime:
    """The start of ``now``'s calendar month in the shop's time zone."""
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _rules() -> list[engine.TagRule]:
    return [
        rule.as_engine_rule()
        for rule in DynamicTagRule.objects.filter(is_active=True, tag__kind=Tag.Kind.DYNAMIC)
    ]


def _order_aggregates(
    *, now: datetime, window_months: int, rules: list[engine.TagRule], member_id: int | None
):
    """Per member: first and last completed order, orders and spend in the analysis window,
    spend this month, pickup/delivery orders in the window, orders in each rule's last D days."""
    window_start = shift_months(now, window_months)
    in_window = Q(created_at__gte=window_start)
    frequency_days = sorted({r.days for r in rules if r.kind == engine.HIGH_FREQUENCY and r.days})
    orders = Order.objects.filter(status=Order.Status.COMPLETED, created_at__lte=now)
    if member_id is not None:
        orders = orders.filter(member_id=member_id)
    return (
        orders.values("member_id")
        .annotate(
            first_order_at=Min("created_at"),
            last_order_at=Max("created_at"),
            orders_in_window=Count("id", filter=in_window),
            spend_in_window=Sum("total", filter=in_window),
            spend_this_month=Sum("total", filter=Q(created_at__gte=month_start(now))),
            pickups=Count("id", filter=in_window & Q(needs_pickup_delivery=True)),
            **{
                f"days_{d}": Count("id", filter=Q(created_at__gte=now - timedelta(days=d)))
                for d in frequency_days
            },
        )
        .order_by()
    ), frequency_days


def _facts(*, now: datetime, window_months: int, rules, member_id: int | None = None):
    """(member id, MemberFacts) for every member (or the one), in two queries."""
    aggregates, frequency_days = _order_aggregates(
        now=now, window_months=window_months, rules=rules, member_id=member_id
    )
    by_member = {row["member_id"]: row for row in aggregates.iterator(chunk_size=BATCH)}
    members = Member.objects.order_by("id")
    if member_id is not None:
        members = members.filter(pk=member_id)
    zero = Decimal("0")
    for pk, joined_at in members.values_list("id", "joined_at").iterator(chunk_size=BATCH):
        row = by_member.get(pk)
        if row is None:
            yield pk, engine.MemberFacts(joined_at=joined_at)
            continue
        yield (
            pk,
            engine.MemberFacts(
                joined_at=joined_at,
                first_order_at=row["first_order_at"],
                last_order_at=row["last_order_at"],
                orders_in_window=row["orders_in_window"],
                spend_in_window=row["spend_in_window"] or zero,
                spend_this_month=row["spend_this_month"] or zero,
                pickup_orders_in_window=row["pickups"],
                orders_in_days={d: row[f"days_{d}"] for d in frequency_days},
            ),
        )


def _owner_lines(settings: SegmentSettings) -> tuple[Decimal | None, int | None]:
    if settings.matrix_line == MatrixLine.FIXED:
        return settings.amount_line, settings.frequency_line
    return None, None


def _segment_row(
    member_id: int, facts: engine.MemberFacts, segment: engine.Segment, now: datetime
) -> MemberSegment:
    return MemberSegment(
        member_id=member_id,
        lifecycle_stage=segment.lifecycle_stage,
        value_group=segment.value_group or "",
        recency_score=segment.recency_score,
        frequency_score=segment.frequency_score,
        monetary_score=segment.monetary_score,
        last_order_at=facts.last_order_at,
        orders_in_window=facts.orders_in_window,
        spend_in_window=facts.spend_in_window,
        computed_at=now,
    )


def _write(
    *,
    rows: list[MemberSegment],
    wanted: set[tuple[int, int]],
    member_id: int | None,
    now: datetime,
) -> tuple[int, int]:
    """Upsert the segment rows and bring the dynamic tags to ``wanted`` (member, tag) pairs:
    batched statements, never one per member. Returns (tags added, tags removed)."""
    if member_id is None:
        shop_pages_changed()  # offers follow tags and segments, here for every member
    else:
        member_pages_changed(member_id)
    for start in range(0, len(rows), BATCH):
        MemberSegment.objects.bulk_create(
            rows[start : start + BATCH],
            update_conflicts=True,
            unique_fields=["member"],
            update_fields=SEGMENT_FIELDS,
        )
    carried = MemberTag.objects.filter(tag__kind=Tag.Kind.DYNAMIC)
    if member_id is not None:
        carried = carried.filter(member_id=member_id)
    have: set[tuple[int, int]] = set()
    remove: list[int] = []
    for pk, member, tag in carried.values_list("id", "member_id", "tag_id").iterator(
        chunk_size=BATCH
    ):
        if (member, tag) in wanted:
            have.add((member, tag))
        else:
            remove.append(pk)
    add = sorted(wanted - have)
    for start in range(0, len(add), BATCH):
        MemberTag.objects.bulk_create(
            [
                MemberTag(member_id=member, tag_id=tag, added_by=None, added_at=now)
                for member, tag in add[start : start + BATCH]
            ],
            ignore_conflicts=True,
        )
    for start in range(0, len(remove), BATCH):
        MemberTag.objects.filter(pk__in=remove[start : start + BATCH]).delete()
    return len(add), len(remove)


def _cutoffs_as_json(cutoffs: engine.Cutoffs) -> dict:
    return {
        "recency_days": list(cutoffs.recency_days),
        "frequency": list(cutoffs.frequency),
        "monetary": [str(v) for v in cutoffs.monetary],
        "amount_line": None if cutoffs.amount_line is None else str(cutoffs.amount_line),
        "frequency_line": cutoffs.frequency_line,
    }


def cutoffs_from_json(data: dict) -> engine.Cutoffs:
    amount_line = data.get("amount_line")
    return engine.Cutoffs(
        recency_days=tuple(data.get("recency_days", ())),
        frequency=tuple(data.get("frequency", ())),
        monetary=tuple(Decimal(v) for v in data.get("monetary", ())),
        amount_line=None if amount_line is None else Decimal(amount_line),
        frequency_line=data.get("frequency_line"),
    )


def _decide(
    facts: Iterable[tuple[int, engine.MemberFacts]],
    *,
    limits: engine.LifecycleLimits,
    cutoffs: engine.Cutoffs,
    rules: list[engine.TagRule],
    now: datetime,
) -> tuple[list[MemberSegment], set[tuple[int, int]]]:
    rows, wanted = [], set()
    for member_id, member_facts in facts:
        segment = engine.segment_for(member_facts, limits=limits, cutoffs=cutoffs, now=now)
        rows.append(_segment_row(member_id, member_facts, segment, now))
        wanted.update((member_id, tag) for tag in engine.tags_for(rules, member_facts, now))
    return rows, wanted


@transaction.atomic
def segments_recompute_all(*, now: datetime | None = None) -> SegmentRunResult:
    """Every member's stage, scores, value group and dynamic tags, from the population's lines
    (stored on the run for the refresh of one member until the next run)."""
    started = time.perf_counter()
    now = now or timezone.now()
    settings = SegmentSettings.load()
    rules = _rules()
    facts = list(_facts(now=now, window_months=settings.window_months, rules=rules))
    amount_line, frequency_line = _owner_lines(settings)
    cutoffs = engine.population_cutoffs(
        (f for _pk, f in facts), now=now, amount_line=amount_line, frequency_line=frequency_line
    )
    rows, wanted = _decide(
        facts, limits=settings.lifecycle_limits(), cutoffs=cutoffs, rules=rules, now=now
    )
    del facts
    added, removed = _write(rows=rows, wanted=wanted, member_id=None, now=now)
    duration_ms = round((time.perf_counter() - started) * 1000)
    run = SegmentRun.objects.create(
        computed_at=now,
        members=len(rows),
        tags_added=added,
        tags_removed=removed,
        duration_ms=duration_ms,
        cutoffs=_cutoffs_as_json(cutoffs),
    )
    return SegmentRunResult(
        run_id=run.pk,
        members=len(rows),
        tags_added=added,
        tags_removed=removed,
        duration_ms=duration_ms,
        cutoffs=cutoffs,
    )


@transaction.atomic
def segments_refresh_member(*, member_id: int, now: datetime | None = None) -> MemberSegment | None:
    """One member's segment and dynamic tags, after an order: the population's lines are the
    last full run's (no scores and, on the median, no value group before the first run); the
    owner's own matrix lines apply at once. None when there is no such member."""
    now = now or timezone.now()
    settings = SegmentSettings.load()
    rules = _rules()
    facts = list(
        _facts(now=now, window_months=settings.window_months, rules=rules, member_id=member_id)
    )
    if not facts:
        return None
    last_run = SegmentRun.objects.order_by("-computed_at", "-id").only("cutoffs").first()
    cutoffs = cutoffs_from_json(last_run.cutoffs) if last_run else engine.Cutoffs()
    amount_line, frequency_line = _owner_lines(settings)
    if settings.matrix_line == MatrixLine.FIXED:
        cutoffs = replace(cutoffs, amount_line=amount_line, frequency_line=frequency_line)
    rows, wanted = _decide(
        facts, limits=settings.lifecycle_limits(), cutoffs=cutoffs, rules=rules, now=now
    )
    _write(rows=rows, wanted=wanted, member_id=member_id, now=now)
    return rows[0]
