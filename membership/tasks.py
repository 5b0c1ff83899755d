"""Background jobs of the membership app (django.tasks): delivering member messages on the
channels outside the app. Services queue them after their transaction commits; they take
ids, not objects, and are safe to run twice."""

import logging

from django.conf import settings
from django.tasks import task

from membership.channels import message_channels
from membership.message_words import message_text
from membership.models import MemberMessage
from membership.services.message_delivery import message_delivery_claim, message_delivery_release

logger = logging.getLogger(__name__)


@task
def member_message_deliver(*, message_id: int) -> dict[str, str]:
    """Send one message on every channel the member agreed to; what happened per channel.

    The words are in the shop's language (members have no stored language of their own).
    A channel already used for this message is skipped: each channel sends it once.
    """
    message = MemberMessage.objects.select_related("member__user").filter(pk=message_id).first()
    if message is None:
        return {}
    member = message.member
    text = None
    outcome: dict[str, str] = {}
    for channel in message_channels():
        if not channel.may_send(member, message):
            outcome[channel.name] = "no consent"
            continue
        if not message_delivery_claim(message_id=message.pk, channel=channel.name):
            outcome[channel.name] = "already sent"
            continue
        text = text or message_text(message, language=settings.LANGUAGE_CODE)
        try:
            sent = channel.send(member, message, text)
        except Exception:  # one gateway's outage must not stop the other channels
            logger.exception("Message %s not sent by %s", message.pk, channel.name)
            sent = False
        if sent:
            outcome[channel.name] = "sent"
        else:
            message_delivery_release(message_id=message.pk, channel=channel.name)
            outcome[channel.name] = "not sent"
    return outcome
