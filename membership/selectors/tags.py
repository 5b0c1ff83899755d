"""Tag lists for the counter: the member panel's chips and the tag editing page."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from membership.models import Member, MemberTag, Tag


def tags_active() -> QuerySet[Tag]:
    return Tag.objects.filter(is_active=True).order_by("code")


def tags_static_active() -> QuerySet[Tag]:
    """The tags staff may put on members."""
    return tags_active().filter(kind=Tag.Kind.STATIC)


def tag_by_code(*, code: str) -> Tag | None:
    return Tag.objects.filter(code=code).first()


def member_active_tags(*, member_id: int) -> list[Tag]:
    """One member's active tags, ordered by code (the member panel's chips): one query, the
    tags alone."""
    return list(
        Tag.objects.filter(member_tags__member_id=member_id, is_active=True).order_by("code")
    )


def member_tags(*, member: Member) -> list[MemberTag]:
    """One member's active tags, ordered by code."""
    return list(
        MemberTag.objects.select_related("tag")
        .filter(member=member, tag__is_active=True)
        .order_by("tag__code", "id")
    )


@dataclass(frozen=True)
class MemberTagChoices:
    static: list[Tag]  # every active static tag, each with ``has`` (the member has it)
    dynamic: list[Tag]  # the member's active dynamic tags (read-only at the counter)


def member_tag_choices(*, member: Member) -> MemberTagChoices:
    """What the tag page shows, in one query: every active tag marked with ``has``."""
    tags = list(
        tags_active().annotate(
            has=Exists(MemberTag.objects.filter(member=member, tag=OuterRef("pk")))
        )
    )
    return MemberTagChoices(
        static=[t for t in tags if t.kind == Tag.Kind.STATIC],
        dynamic=[t for t in tags if t.kind == Tag.Kind.DYNAMIC and t.has],
    )
