"""What reward rules look at, read in bulk: a fixed number of queries per batch of members,
whatever their history."""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import batched

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from loyalty.engine import rules as engine
from loyalty.models import MemberSegment, RewardRule, RuleFiring
from membership.models import Member, MemberTag, Order

BATCH = 1000


def conditions_of(rule: RewardRule) -> engine.Conditions:
    """The rule's conditions as plain data (reads the rule's tiers and tags)."""
    return engine.Conditions(
        tier_ids=frozenset(t.pk for t in rule.tiers.all()),
        tag_ids=frozenset(t.pk for t in rule.tags.all()),
        stages=frozenset(rule.stage_list),
        spend_window=rule.spend_window,
        window_days=rule.window_days,
        min_spend=rule.min_spend,
        min_orders=rule.min_orders,
        streak_months=rule.streak_months,
        streak_min_spend=rule.streak_min_spend,
        min_days_since_visit=rule.min_days_since_visit,
    )


def _local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def window_start(conditions: engine.Conditions, today: date) -> datetime | None:
    if conditions.spend_window == "this_month":
        return _local_start(today.replace(day=1))
    if conditions.spend_window == "last_days" and conditions.window_days:
        return _local_start(today - timedelta(days=conditions.window_days - 1))
    return None


def _completed(member_ids) -> QuerySet:
    return Order.objects.filter(member_id__in=member_ids, status=Order.Status.COMPLETED)


def member_facts(
    member_ids: Iterable[int], *, conditions: engine.Conditions, today: date
) -> dict[int, engine.Facts]:
    """Facts for up to one batch of members: at most six queries."""
    ids = list(member_ids)
    members = Member.objects.filter(pk__in=ids).values_list("pk", "tier_id", "birthday")
    tags: dict[int, set[int]] = defaultdict(set)
    if conditions.tag_ids:
        for member_id, tag_id in MemberTag.objects.filter(
            member_id__in=ids, tag_id__in=conditions.tag_ids
        ).values_list("member_id", "tag_id"):
            tags[member_id].add(tag_id)
    stages: dict[int, str] = {}
    if conditions.stages:
        stages = dict(
            MemberSegment.objects.filter(member_id__in=ids).values_list(
                "member_id", "lifecycle_stage"
            )
        )
    window: dict[int, tuple[Decimal, int]] = {}
    if start := window_start(conditions, today):
        for row in (
            _completed(ids)
            .filter(created_at__gte=start)
            .values("member_id")
            .annotate(spend=Sum("total"), orders=Count("pk"))
        ):
            window[row["member_id"]] = (row["spend"] or Decimal("0"), row["orders"])
    monthly: dict[int, dict[tuple[int, int], Decimal]] = defaultdict(dict)
    if conditions.streak_months:
        oldest = engine.previous_months(today, conditions.streak_months)[-1]
        rows = (
            _completed(ids)
            .filter(
                created_at__gte=_local_start(date(oldest[0], oldest[1], 1)),
                created_at__lt=_local_start(today.replace(day=1)),
            )
            .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_current_timezone()))
            .values("member_id", "month")
            .annotate(spend=Sum("total"))
        )
        for row in rows:
            month = row["month"]
            monthly[row["member_id"]][(month.year, month.month)] = row["spend"]
    last_visits: dict[int, date] = {}
    if conditions.min_days_since_visit is not None:
        last_visits = last_visit_days(ids)
    return {
        pk: engine.Facts(
            tier_id=tier_id,
            tag_ids=frozenset(tags.get(pk, ())),
            stage=stages.get(pk),
            window_spend=window.get(pk, (Decimal("0"), 0))[0],
            window_orders=window.get(pk, (Decimal("0"), 0))[1],
            monthly_spend=monthly.get(pk, {}),
            last_visit=last_visits.get(pk),
            birthday=birthday,
        )
        for pk, tier_id, birthday in members
    }


def last_visit_days(member_ids: list[int]) -> dict[int, date]:
    """Each member's last completed order, as a local date (one query)."""
    rows = _completed(member_ids).values("member_id").annotate(last=Max("created_at"))
    return {row["member_id"]: timezone.localdate(row["last"]) for row in rows}


def scheduled_candidates(rule: RewardRule, *, today: date) -> Iterator[list[int]]:
    """Batches of ids of members a scheduled rule may apply to, narrowed in SQL by what SQL
    can decide (tier, tag, stage, birthday, absence); the engine decides the rest."""
    conditions = conditions_of(rule)
    members = Member.objects.all()
    if conditions.tier_ids:
        members = members.filter(tier_id__in=conditions.tier_ids)
    if conditions.tag_ids:
        members = members.filter(
            Exists(
                MemberTag.objects.filter(member_id=OuterRef("pk"), tag_id__in=conditions.tag_ids)
            )
        )
    if conditions.stages:
        members = members.filter(segment__lifecycle_stage__in=conditions.stages)
    if rule.trigger == "birthday":
        today_q = Q(birthday__month=today.month, birthday__day=today.day)
        # 29 February birthdays are kept on 28 February in other years.
        if (today.month, today.day) == (2, 28) and engine.is_birthday(date(2000, 2, 29), today):
            today_q |= Q(birthday__month=2, birthday__day=29)
        members = members.filter(today_q)
    if conditions.min_days_since_visit is not None:
        cutoff = _local_start(today - timedelta(days=conditions.min_days_since_visit - 1))
        last = (
            Order.objects.filter(member_id=OuterRef("pk"), status=Order.Status.COMPLETED)
            .order_by("-created_at")
            .values("created_at")[:1]
        )
        members = members.annotate(last_order=Subquery(last)).filter(last_order__lt=cutoff)
    if rule.period not in ("each", "absence"):
        key = engine.period_key(rule.period, today=today, event_id=None, last_visit=None)
        members = members.exclude(
            Exists(RuleFiring.objects.filter(rule=rule, member_id=OuterRef("pk"), period_key=key))
        )
    ids = members.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=BATCH)
    yield from (list(batch) for batch in batched(ids, BATCH))
