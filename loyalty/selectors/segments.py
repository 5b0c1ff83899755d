"""Segment reads: one member's segment for the counter panel, and the owner's segment lists."""

from django.db.models import Prefetch, QuerySet

from loyalty.models import MemberSegment, SegmentRun
from membership.models import MemberTag


def member_segment(*, member_id: int) -> MemberSegment | None:
    """A member's segment as of the last recompute, in one query (None before the first)."""
    return MemberSegment.objects.filter(member_id=member_id).first()


def segment_members() -> QuerySet[MemberSegment]:
    """Every member's segment with the member, login and active tags (``member.active_tags``,
    one query for any number of rows), ordered by member number; filter and paginate it."""
    return (
        MemberSegment.objects.select_related("member", "member__user")
        .prefetch_related(
            Prefetch(
                "member__member_tags",
                queryset=MemberTag.objects.select_related("tag")
                .filter(tag__is_active=True)
                .order_by("tag__code", "id"),
                to_attr="active_tags",
            )
        )
        .order_by("member__number")
    )


def segment_last_run() -> SegmentRun | None:
    return SegmentRun.objects.order_by("-computed_at", "-id").first()
