"""Pluggable SMS sending. A real gateway implements `SMSBackend.send` and is named in SMS_BACKEND.

Texts that anyone on the internet can cause (sign-in codes and account notices) also pass a
global hourly ceiling, ``SMS_HOURLY_LIMIT``, counted in the shared cache: per-IP and
per-number limits cannot stop a crowd of IPs and numbers, a ceiling bounds the bill. When it
is reached the text is not sent, the refusal is logged at ERROR and the owners get one email
per hour.
"""

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db.models import Q
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import override

from membership import ratelimit
from membership.models import User
from membership.roles import OWNER_GROUP

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SMSMessage:
    to: str
    body: str


class SMSBackend(ABC):
    @abstractmethod
    def send(self, message: SMSMessage) -> None:
        """Deliver the message or raise; called after the surrounding transaction commits."""


class ConsoleSMSBackend(SMSBackend):
    """Logs the message (set apart on the console, see settings.LOGGING); the default for
    trying the portal out."""

    def send(self, message: SMSMessage) -> None:
        logger.info("SMS to %s: %s", message.to, message.body)


outbox: list[SMSMessage] = []


class OutboxSMSBackend(SMSBackend):
    """Keeps messages in `outbox` for tests (like Django's locmem email backend)."""

    def send(self, message: SMSMessage) -> None:
        outbox.append(message)


def send_sms(to: str, body: str) -> None:
    backend = import_string(settings.SMS_BACKEND)()
    backend.send(SMSMessage(to=to, body=body))


# --- the hourly ceiling for sign-in texts ----------------------------------------------------


def _ceiling() -> list[ratelimit.Rate]:
    limit = int(settings.SMS_HOURLY_LIMIT)
    return [ratelimit.Rate(amount=limit, seconds=3600)] if limit > 0 else []


def sms_ceiling_reached() -> bool:
    """True while this hour's sign-in texts are used up (a look, nothing is counted)."""
    return ratelimit.is_limited("sms-hour", _ceiling())


def send_sms_within_ceiling(to: str, body: str) -> bool:
    """Send a sign-in text unless this hour's ceiling is reached; False if it was not sent."""
    if ratelimit.take("sms-hour", _ceiling()):
        send_sms(to, body)
        return True
    logger.error(
        "SMS to %s not sent: SMS_HOURLY_LIMIT (%s per hour) reached. Texts resume next hour.",
        masked_for_log(to),
        settings.SMS_HOURLY_LIMIT,
    )
    # One email per hour, whichever process gets there first.
    if cache.add(f"sms-ceiling-told:{int(ratelimit.now() // 3600)}", True, timeout=3600 + 60):
        _tell_owners()
    return False


def masked_for_log(phone: str) -> str:
    """A number as log lines show it: enough to spot a pattern, not a list to reuse."""
    return phone[:-4] + "****" if len(phone) > 8 else "****"


def _tell_owners() -> None:
    owners = (
        User.objects.filter(Q(groups__name=OWNER_GROUP) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    recipients = sorted(set(owners))
    if not recipients:
        return
    limit = settings.SMS_HOURLY_LIMIT
    with override(settings.LANGUAGE_CODE):
        subject = _("Text messages paused: %(limit)s sign-in texts sent this hour") % {
            "limit": limit
        }
        body = _(
            "The portal has sent %(limit)s sign-in text messages (login codes and account "
            "notices) this hour, the most the SMS_HOURLY_LIMIT setting allows. Until the hour "
            "is over no more are sent: members can still log in with an email code or a "
            "password.\n\n"
            "If this is a normal busy hour, raise SMS_HOURLY_LIMIT. If not, someone may be "
            "requesting codes to run up your SMS bill: the server log lists each text not sent."
        ) % {"limit": limit}
    try:
        send_mail(subject, body, None, recipients)
    except Exception:  # the refusal is logged above; a mail outage must not hide it
        logger.exception("Could not email the owners that the SMS ceiling was reached")
