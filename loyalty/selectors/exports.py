"""The rows of the owner's exports, streamed: a fixed number of queries whatever the number
of members (each list is one ordered query read with ``.iterator()``; the monthly sums are
set-based GROUP BY queries merged with the members in one pass by member id).

Monthly consumption, one row per member who had joined by the month's end:
- orders, spend, stored value paid, points earned and points used: the member's COMPLETED
  orders dated in the month (the shop's time zone); a refunded or voided order counts nowhere;
- top-ups and top-up bonus: stored-value top-up entries dated in the month;
- points granted: reward points granted in the month (points ledger, kind "grant");
- tier at month end: the last tier change before the month's end, else the tier the member
  left at their first change after it, else their current tier.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models import EntryKind, MemberSegment, PointsEntry, TierChange, WalletEntry
from membership.models import Member, MemberTag, Order, Tier

CHUNK = 2000
CENT = Decimal("0.01")


def _money(value) -> Decimal:
    # SQLite sums decimals as floats; every amount leaves with the currency's two places.
    return Decimal(value or 0).quantize(CENT)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The first instant of ``month`` and of the month after, in the shop's time zone."""
    zone = timezone.get_default_timezone()
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    after = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return start, datetime(after.year, after.month, 1, tzinfo=zone)


MONTHLY_HEADINGS = [
    _("Month"),
    _("Member number"),
    _("Name"),
    _("Phone"),
    _("Tier at month end"),
    _("Orders"),
    _("Spend"),
    _("Paid with stored value"),
    _("Top-ups"),
    _("Top-up bonus"),
    _("Points earned"),
    _("Points used"),
    _("Points granted"),
]


def _by_member(rows: Iterable[dict]) -> Iterator[tuple[int, dict]]:
    for row in rows:
        yield row["member_id"], row


class _Merged:
    """Looks up the sums of members in increasing id order, each source read once."""

    def __init__(self, rows: Iterable[dict]):
        self._rows = _by_member(rows)
        self._next = next(self._rows, None)

    def get(self, member_id: int) -> dict | None:
        while self._next is not None and self._next[0] < member_id:
            self._next = next(self._rows, None)
        if self._next is not None and self._next[0] == member_id:
            return self._next[1]
        return None


def _tier_at_end(end: datetime) -> dict:
    before = TierChange.objects.filter(member=OuterRef("pk"), occurred_at__lt=end).order_by(
        "-occurred_at", "-id"
    )
    after = TierChange.objects.filter(member=OuterRef("pk"), occurred_at__gte=end).order_by(
        "occurred_at", "id"
    )
    return {
        "tier_before_end": Subquery(before.values("to_tier_id")[:1]),
        "changed_after_end": Exists(after),
        "tier_left_after_end": Subquery(after.values("from_tier_id")[:1]),
    }


def monthly_consumption_rows(*, month: date) -> Iterator[list]:
    """One list of cells per member (see MONTHLY_HEADINGS), ordered by member id."""
    start, end = month_bounds(month)
    label = f"{month.year:04d}-{month.month:02d}"
    tiers = {tier.pk: tier.display_name for tier in Tier.objects.all()}
    orders = _Merged(
        Order.objects.filter(
            status=Order.Status.COMPLETED, created_at__gte=start, created_at__lt=end
        )
        .values("member_id")
        .annotate(
            orders=Count("id"),
            spend=Sum("total"),
            wallet=Sum("wallet_amount"),
            earned=Sum("points_earned"),
            used=Sum("points_redeemed"),
        )
        .order_by("member_id")
        .iterator(chunk_size=CHUNK)
    )
    top_ups = _Merged(
        WalletEntry.objects.filter(kind=EntryKind.TOP_UP, created_at__gte=start, created_at__lt=end)
        .values(member_id=F("account__member_id"))
        .annotate(principal=Sum("principal_amount"), bonus=Sum("bonus_amount"))
        .order_by("member_id")
        .iterator(chunk_size=CHUNK)
    )
    grants = _Merged(
        PointsEntry.objects.filter(kind=EntryKind.GRANT, created_at__gte=start, created_at__lt=end)
        .values(member_id=F("account__member_id"))
        .annotate(points=Sum("amount"))
        .order_by("member_id")
        .iterator(chunk_size=CHUNK)
    )
    members = (
        Member.objects.filter(joined_at__lt=end)
        .annotate(**_tier_at_end(end))
        .values_list(
            "pk",
            "number",
            "name",
            "user__phone",
            "tier_id",
            "tier_before_end",
            "changed_after_end",
            "tier_left_after_end",
        )
        .order_by("pk")
        .iterator(chunk_size=CHUNK)
    )
    for pk, number, name, phone, tier_now, before, changed_after, left_after in members:
        if before is not None:
            tier_id = before
        elif changed_after:
            tier_id = left_after
        else:
            tier_id = tier_now
        order = orders.get(pk) or {}
        top_up = top_ups.get(pk) or {}
        grant = grants.get(pk) or {}
        yield [
            label,
            number,
            name,
            str(phone or ""),
            tiers.get(tier_id, ""),
            order.get("orders", 0),
            _money(order.get("spend")),
            _money(order.get("wallet")),
            _money(top_up.get("principal")),
            _money(top_up.get("bonus")),
            order.get("earned") or 0,
            order.get("used") or 0,
            grant.get("points") or 0,
        ]


@dataclass(frozen=True)
class SegmentFilters:
    """The owner's segment report filters, validated by its form ("" or None: any)."""

    lifecycle_stage: str = ""
    value_group: str | None = None  # "" selects members with no order in the window
    recency_score: int | None = None
    frequency_score: int | None = None
    monetary_score: int | None = None
    tag_id: int | None = None


def segment_members_matching(filters: SegmentFilters) -> QuerySet[MemberSegment]:
    """The segments of the members the report's filters select (order them)."""
    segments = MemberSegment.objects.all()
    if filters.lifecycle_stage:
        segments = segments.filter(lifecycle_stage=filters.lifecycle_stage)
    if filters.value_group is not None:
        segments = segments.filter(value_group=filters.value_group)
    for score in ("recency_score", "frequency_score", "monetary_score"):
        if getattr(filters, score) is not None:
            segments = segments.filter(**{score: getattr(filters, score)})
    if filters.tag_id is not None:
        # EXISTS, not a join: one row per member without DISTINCT.
        tagged = MemberTag.objects.filter(member=OuterRef("member_id"), tag_id=filters.tag_id)
        segments = segments.filter(Exists(tagged))
    return segments


SEGMENT_HEADINGS = [
    _("Member number"),
    _("Name"),
    _("Phone"),
    _("Offers by SMS"),
    _("Lifecycle stage"),
    _("Value group"),
    _("Recency score (R)"),
    _("Frequency score (F)"),
    _("Monetary score (M)"),
    _("Orders in the window"),
    _("Spend in the window"),
    _("Last order"),
    _("Tags"),
    _("Computed"),
]


def _local(moment: datetime | None):
    return timezone.localtime(moment).replace(tzinfo=None) if moment else ""


class _Grouped:
    """The tag names of members in increasing id order, from one stream ordered by member."""

    def __init__(self, member_tags: Iterable[MemberTag]):
        self._rows = iter(member_tags)
        self._next = next(self._rows, None)

    def get(self, member_id: int) -> list[str]:
        names = []
        while self._next is not None and self._next.member_id <= member_id:
            if self._next.member_id == member_id:
                names.append(str(self._next.tag.display_name))
            self._next = next(self._rows, None)
        return names


def segment_rows(filters: SegmentFilters) -> Iterator[list]:
    """One list of cells per selected member (see SEGMENT_HEADINGS), by member id: two
    streamed queries (the members with their segment and login, and their active tags)."""
    segments = segment_members_matching(filters)
    tags = _Grouped(
        MemberTag.objects.select_related("tag")
        .filter(tag__is_active=True, member_id__in=segments.values("member_id"))
        .order_by("member_id", "tag__code", "id")
        .iterator(chunk_size=CHUNK)
    )
    rows = segments.select_related("member", "member__user").order_by("member_id")
    for segment in rows.iterator(chunk_size=CHUNK):
        member = segment.member
        yield [
            member.number,
            member.name,
            str(member.user.phone or ""),
            str(_("Yes") if member.consent_marketing_sms else _("No")),
            segment.get_lifecycle_stage_display(),
            segment.get_value_group_display(),
            segment.recency_score,
            segment.frequency_score,
            segment.monetary_score,
            segment.orders_in_window,
            segment.spend_in_window,
            _local(segment.last_order_at),
            ", ".join(tags.get(member.pk)),
            _local(segment.computed_at),
        ]
