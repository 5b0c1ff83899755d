"""Posting messages to a member's inbox, marking them read, and the member's consent to
notices outside the app.

Post inside the transaction of the change the message tells about: the message commits
with it (or not at all), and its delivery by SMS, email or another channel is queued only
once that transaction has committed.
"""

import json
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from membership.channels import channels_that_may_send
from membership.member_pages import member_pages_changed
from membership.models import Member, MemberMessage
from membership.tasks import member_message_deliver

logger = logging.getLogger(__name__)

KEY_MAX_LENGTH = 200
# A change older than this (history imported or back-dated) goes to the inbox only: a text
# about last month's top-up would only confuse.
DELIVER_WITHIN = timedelta(days=1)


def _checked(*, kind: str, data: dict, idempotency_key: str) -> str:
    if kind not in MemberMessage.Kind.values:
        raise ValueError(f"unknown member message kind: {kind!r}")
    if not isinstance(data, dict):
        raise ValueError("A message's data is a dict.")
    try:
        json.dumps(data)
    except (TypeError, ValueError) as error:
        raise ValueError(f"A message's data must be JSON (amounts as strings): {error}") from None
    key = (idempotency_key or "").strip()
    if not key or len(key) > KEY_MAX_LENGTH:
        raise ValueError(f"A message needs an idempotency key of 1-{KEY_MAX_LENGTH} characters.")
    return key


def _existing(*, key: str, member_id: int) -> MemberMessage | None:
    message = MemberMessage.objects.filter(idempotency_key=key).first()
    if message is not None and message.member_id != member_id:
        raise ValidationError(
            _("This request key was already used for a different operation."), code="key_reused"
        )
    return message


@transaction.atomic
def member_message_post(
    *,
    member_id: int,
    kind: str,
    data: dict[str, Any],
    idempotency_key: str,
    created_at: datetime | None = None,
) -> MemberMessage:
    """Put a message in the member's inbox; the message already posted for a repeated key.

    `data` is what the words are written from (membership.message_words): JSON only,
    amounts as strings. For "reward" and "custom" the owner's own text goes in
    {"subject_en", "subject_zh", "body_en", "body_zh"}. `created_at` is when the change
    happened (default now). After commit, a task sends it on each channel the member
    agreed to.
    """
    key = _checked(kind=kind, data=data, idempotency_key=idempotency_key)
    if message := _existing(key=key, member_id=member_id):
        return message
    try:
        with transaction.atomic():  # savepoint: a concurrent post of the same key may win
            message = MemberMessage.objects.create(
                member_id=member_id,
                kind=kind,
                data=data,
                created_at=created_at or timezone.now(),
                idempotency_key=key,
            )
    except IntegrityError:
        if message := _existing(key=key, member_id=member_id):
            return message
        raise
    if timezone.now() - message.created_at <= DELIVER_WITHIN:
        member = Member.objects.select_related("user").get(pk=member_id)
        if channels_that_may_send(member, message):
            message_id = message.pk
            transaction.on_commit(
                lambda: member_message_deliver.enqueue(message_id=message_id), robust=True
            )
    return message


def member_messages_mark_read(
    *, member_id: int, message_ids: Iterable[int] | None = None, now: datetime | None = None
) -> int:
    """Mark the member's unread messages read (only those in `message_ids`, if given); how
    many were. Another member's ids are ignored. One UPDATE: atomic on its own."""
    unread = MemberMessage.objects.filter(member_id=member_id, read_at__isnull=True)
    if message_ids is not None:
        ids = [int(pk) for pk in message_ids]
        if not ids:
            return 0
        unread = unread.filter(pk__in=ids)
    member_pages_changed(member_id)  # the unread count on the dashboard
    return unread.update(read_at=now or timezone.now())


@transaction.atomic
def member_notifications_set(
    *, member: Member, notify_by_sms: bool, notify_by_email: bool
) -> Member:
    """The member's yes or no to service notices (stored-value changes, packages) by SMS and
    email. The inbox has every message either way."""
    member.notify_by_sms = bool(notify_by_sms)
    member.notify_by_email = bool(notify_by_email)
    member.save(update_fields=["notify_by_sms", "notify_by_email"])
    return member
