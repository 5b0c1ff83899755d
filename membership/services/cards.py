"""The member card: a rotating, time-based code (TOTP, RFC 6238) from a per-member secret.

The QR code on the member's phone encodes ``<site>/counter/m/<member number>/<code>/``. The
code is the signature: only the member's secret produces it, and it changes every
``CODE_STEP_SECONDS``. The server accepts the code of the current step and of
``SKEW_STEPS`` steps either side (phones' clocks drift), so a code lives a few minutes and a
screenshot goes stale. Replacing the secret (``card_rotate``) invalidates every code at once.

Every refusal (forged, expired, malformed, unknown member number, no card) raises the same
``CardCodeRefused`` with the same message, so a refusal reveals nothing about the member.
Failed attempts are counted per actor (the staff login) and per member number in the cache;
past a limit ``CardRateLimited`` is raised even for a good code, so codes cannot be
brute-forced. The per-member bound is well above the per-actor one: a clerk who mistypes
(or means harm) stops themself long before the member's card is paused for everyone, and
a paused card (``CardMemberRateLimited``) still leaves the lookup by phone number.
"""

import hashlib
import hmac
import re
import time
from dataclasses import dataclass

import pyotp
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from membership.models import Member, MemberCard, User
from membership.models.cards import new_card_secret

CODE_STEP_SECONDS = 60
CODE_DIGITS = 8
SKEW_STEPS = 1
# How far ahead the card page renders codes, so it keeps working with no network.
PREVIEW_STEPS = 60

# Failed verifications allowed per window, per actor (staff login or IP) and per member number.
FAILURES_PER_ACTOR = 20
FAILURES_PER_MEMBER = 50  # several logins must join in; guessing 8 digits stays hopeless
FAILURE_WINDOW_SECONDS = 10 * 60

_NUMBER_RE = re.compile(r"[A-Za-z0-9]{1,20}")
_CODE_RE = re.compile(rf"[0-9]{{{CODE_DIGITS}}}")
# What a camera or a barcode scanner reads: the full URL, a path, or "<number> <code>".
_PAYLOAD_RE = re.compile(r"([A-Za-z0-9]{1,20})[/\s]+([0-9]{4,12})/?\Z")

REFUSED_MESSAGE = _(
    "This member code is not valid. Ask the member to open their card again, "
    "or look them up by phone number or name."
)
RATE_LIMITED_MESSAGE = _("Too many invalid codes. Wait a few minutes, or look the member up.")
MEMBER_RATE_LIMITED_MESSAGE = _(
    "Too many wrong codes for this member's card: it is paused for a few minutes. "
    "Ask for their phone number and look the member up by phone number instead."
)


class CardCodeRefused(ValidationError):
    """The code is not (or no longer) valid. Deliberately says nothing more."""

    def __init__(self) -> None:
        super().__init__(REFUSED_MESSAGE, code="card_code_refused")


class CardRateLimited(ValidationError):
    """The actor made too many wrong attempts."""

    def __init__(self, message=RATE_LIMITED_MESSAGE, code: str = "card_rate_limited") -> None:
        super().__init__(message, code=code)


class CardMemberRateLimited(CardRateLimited):
    """This member's card had too many wrong attempts, from whoever made them."""

    def __init__(self) -> None:
        super().__init__(MEMBER_RATE_LIMITED_MESSAGE, code="card_member_rate_limited")


@dataclass(frozen=True)
class CardCode:
    step: int  # the TOTP counter: unix time // CODE_STEP_SECONDS
    code: str

    @property
    def valid_from(self) -> int:
        return self.step * CODE_STEP_SECONDS


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=CODE_DIGITS, interval=CODE_STEP_SECONDS)


def card_step(*, for_time: float | None = None) -> int:
    return int((time.time() if for_time is None else for_time) // CODE_STEP_SECONDS)


@transaction.atomic
def card_get_or_create(*, member: Member) -> MemberCard:
    """The member's card, created with a fresh secret the first time it is asked for."""
    card, _created = MemberCard.objects.get_or_create(member=member)
    return card


@transaction.atomic
def card_rotate(*, member: Member) -> MemberCard:
    """Give the member a new secret: every code shown so far (screenshots too) stops working."""
    card, created = MemberCard.objects.select_for_update().get_or_create(member=member)
    if not created:
        card.secret = new_card_secret()
        card.save(update_fields=["secret"])
    return card


def card_codes(
    *, card: MemberCard, for_time: float | None = None, steps: int = 1
) -> list[CardCode]:
    """The codes of ``steps`` consecutive steps, starting with the one current at ``for_time``.

    pyotp's HOTP (RFC 4226) with the secret decoded and the HMAC keyed once for all the steps
    (the card page asks for 61; pyotp decodes the secret again for each)."""
    keyed = hmac.new(_totp(card.secret).byte_secret(), digestmod=hashlib.sha1)
    first = card_step(for_time=for_time)
    codes = []
    for step in range(first, first + steps):
        mac = keyed.copy()
        mac.update(step.to_bytes(8, "big"))
        digest = mac.digest()
        offset = digest[-1] & 0xF
        number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
        codes.append(CardCode(step=step, code=f"{number % 10**CODE_DIGITS:0{CODE_DIGITS}d}"))
    return codes


def card_parse_payload(*, text: str) -> tuple[str, str] | None:
    """(member number, code) from what a scanner read: a card URL, a path or "number code"."""
    match = _PAYLOAD_RE.search((text or "").strip())
    if match is None:
        return None
    return match.group(1).upper(), match.group(2)


def _failure_keys(*, actor_key: str, number: str) -> list[tuple[str, int]]:
    # Hashed: the number comes from the URL and may hold anything; cache keys must be safe.
    member_key = hashlib.sha256(number.upper().encode()).hexdigest()[:32]
    return [
        (f"card-verify:actor:{actor_key}", FAILURES_PER_ACTOR),
        (f"card-verify:member:{member_key}", FAILURES_PER_MEMBER),
    ]


def _count_failure(key: str) -> None:
    # add() starts the window only once; incr() keeps its expiry.
    if not cache.add(key, 1, timeout=FAILURE_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=FAILURE_WINDOW_SECONDS)


def card_verify(*, number: str, code: str, actor_key: str, for_time: float | None = None) -> Member:
    """The member whose card shows ``code`` now (± SKEW_STEPS), or CardCodeRefused.

    ``actor_key`` identifies who is trying (e.g. "user:12"): it is rate limited, as is the
    member number. A code may be scanned more than once while it is valid (a retry at the
    counter), but never after its window has passed.
    """
    keys = _failure_keys(actor_key=actor_key, number=number or "")
    counts = cache.get_many([key for key, _limit in keys])
    (actor, actor_limit), (member_key, member_limit) = keys
    if counts.get(actor, 0) >= actor_limit:
        raise CardRateLimited()
    if counts.get(member_key, 0) >= member_limit:
        raise CardMemberRateLimited()

    member = None
    if _NUMBER_RE.fullmatch(number or "") and _CODE_RE.fullmatch(code or ""):
        member = Member.objects.select_related("card").filter(number=number.upper()).first()
    card = getattr(member, "card", None) if member is not None else None
    if card is None or not _totp(card.secret).verify(
        code, for_time=time.time() if for_time is None else for_time, valid_window=SKEW_STEPS
    ):
        for key, _limit in keys:
            _count_failure(key)
        raise CardCodeRefused()
    return member


def card_actor_key(*, user: User | None, ip: str = "") -> str:
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{ip or 'unknown'}"
