"""Channels that carry member messages outside the app: SMS and email today, a WeChat
template message (or any other gateway) tomorrow by writing one class.

A channel says whether it may send a message to a member (their consent, an address to
send to) and sends the rendered words. ``settings.PORTAL_MESSAGE_CHANNELS`` lists the
channel classes by dotted path; the delivery task (membership.tasks) walks them in order.

Consent: service notices (MemberMessage.is_service_notice: stored-value changes, packages)
need the member's yes to notices on that channel (``Member.notify_by_sms`` /
``notify_by_email``); everything else is marketing and needs ``consent_marketing_sms`` /
``consent_marketing_email``.
"""

import logging
from abc import ABC, abstractmethod

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from membership.message_words import MessageText
from membership.models import Member, MemberMessage
from membership.sms import send_sms_within_ceiling

logger = logging.getLogger(__name__)

DEFAULT_CHANNELS = ["membership.channels.SMSChannel", "membership.channels.EmailChannel"]


def absolute_link(path: str) -> str:
    """A message's link (a path on this site) as the address to tap in a text or an email:
    the site's public address (WAGTAILADMIN_BASE_URL) and the path."""
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""
    return base.rstrip("/") + path


class MessageChannel(ABC):
    """One way of reaching a member outside the app."""

    #: Stable key recorded on each delivery (MessageDelivery.channel): at most 32 characters.
    name: str = ""

    @abstractmethod
    def may_send(self, member: Member, message: MemberMessage) -> bool:
        """True if the member agreed to this kind of message here and can be reached here.
        `member` arrives with its user loaded."""

    @abstractmethod
    def send(self, member: Member, message: MemberMessage, text: MessageText) -> bool:
        """Send the words; True if sent, False if refused for now (e.g. a rate ceiling).
        Raise on a gateway error. Called by the task, after the message's transaction."""


class SMSChannel(MessageChannel):
    """Texts through the SMS backend (membership.sms), within the hourly ceiling."""

    name = "sms"

    def may_send(self, member: Member, message: MemberMessage) -> bool:
        consent = (
            member.notify_by_sms if message.is_service_notice else member.consent_marketing_sms
        )
        return bool(consent and member.user.phone)

    def send(self, member: Member, message: MemberMessage, text: MessageText) -> bool:
        body = f"{text.subject}: {text.body}".replace("\n", " ")
        if text.link:
            body = f"{body} {absolute_link(text.link)}"
        return send_sms_within_ceiling(str(member.user.phone), body)


class EmailChannel(MessageChannel):
    """Email through Django's mail backend."""

    name = "email"

    def may_send(self, member: Member, message: MemberMessage) -> bool:
        consent = (
            member.notify_by_email if message.is_service_notice else member.consent_marketing_email
        )
        return bool(consent and member.user.email)

    def send(self, member: Member, message: MemberMessage, text: MessageText) -> bool:
        body = text.body
        if text.link:
            body = f"{body}\n\n{text.link_label}: {absolute_link(text.link)}"
        send_mail(text.subject, body, None, [member.user.email])
        return True


def message_channels() -> list[MessageChannel]:
    """The configured channels, in order (each class instantiated once per call)."""
    paths = getattr(settings, "PORTAL_MESSAGE_CHANNELS", DEFAULT_CHANNELS)
    channels: list[MessageChannel] = []
    for path in paths:
        cls = import_string(path)
        if not (isinstance(cls, type) and issubclass(cls, MessageChannel)):
            raise ImproperlyConfigured(f"PORTAL_MESSAGE_CHANNELS: {path} is not a MessageChannel.")
        channel = cls()
        if not channel.name or len(channel.name) > 32:
            raise ImproperlyConfigured(f"PORTAL_MESSAGE_CHANNELS: {path} needs a name (1-32).")
        if any(other.name == channel.name for other in channels):
            raise ImproperlyConfigured(
                f"PORTAL_MESSAGE_CHANNELS: two channels named {channel.name}."
            )
        channels.append(channel)
    return channels


def channels_that_may_send(member: Member, message: MemberMessage) -> list[MessageChannel]:
    return [channel for channel in message_channels() if channel.may_send(member, message)]
