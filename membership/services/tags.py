"""Static member tags, set and removed by staff. Dynamic tags belong to the rules."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from membership.member_pages import member_pages_changed
from membership.models import Member, MemberTag, Tag, User
from membership.services.audit import audit_record


def _check_staff_can_set(tag: Tag) -> None:
    if not tag.is_active:
        raise ValidationError(
            _("The tag “%(tag)s” is switched off."),
            code="tag_inactive",
            params={"tag": tag.display_name},
        )
    if tag.kind != Tag.Kind.STATIC:
        raise ValidationError(
            _("The tag “%(tag)s” is set automatically by rules; staff cannot change it."),
            code="tag_dynamic",
            params={"tag": tag.display_name},
        )


@transaction.atomic
def member_tag_add(*, member: Member, tag: Tag, acting_user: User) -> MemberTag:
    """Put a static tag on a member. Adding it again changes nothing and is not audited again."""
    _check_staff_can_set(tag)
    member_tag, created = MemberTag.objects.get_or_create(
        member=member, tag=tag, defaults={"added_by": acting_user}
    )
    if created:
        audit_record(
            actor=acting_user,
            action="member_tag_add",
            member=member,
            obj=tag,
            details={"tag": tag.code},
        )
    return member_tag


@transaction.atomic
def member_tag_remove(*, member: Member, tag: Tag, acting_user: User) -> bool:
    """Take a static tag off a member. Returns whether it was there (removing twice is fine)."""
    _check_staff_can_set(tag)
    deleted, _per_model = MemberTag.objects.filter(member=member, tag=tag).delete()
    member_pages_changed(member.pk)  # offers follow tags
    if deleted:
        audit_record(
            actor=acting_user,
            action="member_tag_remove",
            member=member,
            obj=tag,
            details={"tag": tag.code},
        )
    return bool(deleted)
