from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from membership.models import Member, MemberNote, User
from membership.services.audit import audit_record

NOTE_MAX_LENGTH = 2000


@transaction.atomic
def member_note_create(*, member: Member, text: str, acting_user: User) -> MemberNote:
    """A staff note about a member (members never see notes), recorded in the audit trail."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write something in the note."), code="note_empty")
    if "\x00" in text:  # PostgreSQL refuses NUL bytes in text: say so, don't fail
        raise ValidationError(_("A note cannot contain NUL characters."), code="note_nul")
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError(
            _("A note can be at most %(limit)d characters."),
            code="note_too_long",
            params={"limit": NOTE_MAX_LENGTH},
        )
    note = MemberNote.objects.create(member=member, author=acting_user, text=text)
    audit_record(actor=acting_user, action="member_note_create", member=member, obj=note)
    return note
