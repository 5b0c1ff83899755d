"""Pluggable SMS sending. A real gateway implements `SMSBackend.send` and is named in SMS_BACKEND."""

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

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
    """Prints the message; the default for trying the portal out."""

    def send(self, message: SMSMessage) -> None:
        print(f"[SMS to {message.to}] {message.body}", flush=True)
        logger.info("SMS to %s: %s", message.to, message.body)


outbox: list[SMSMessage] = []


class OutboxSMSBackend(SMSBackend):
    """Keeps messages in `outbox` for tests (like Django's locmem email backend)."""

    def send(self, message: SMSMessage) -> None:
        outbox.append(message)


def send_sms(to: str, body: str) -> None:
    backend = import_string(settings.SMS_BACKEND)()
    backend.send(SMSMessage(to=to, body=body))
