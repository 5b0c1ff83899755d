"""Referrals: a member's code, the link between a new member and who referred them, and the
moment the referral qualifies (the new member's first completed order).

The reward itself is not given here: qualifying records a REFERRAL_QUALIFIED member event on
the referrer, and the owner's automatic rules react to it.
"""

import secrets
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import to_python

from membership.models import Member, MemberEvent, Referral
from membership.services.events import member_event_record

# No 0/O, 1/I/L: a code read aloud or copied by hand cannot be mistyped into another one.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
_PHONE_HASH_SALT = "membership.referrals.phone"


def referral_code_normalize(code: str) -> str:
    """A code as typed ("abcd efgh", "ABCD-EFGH") in its stored form; "" when it cannot be one."""
    cleaned = "".join(str(code or "").split()).replace("-", "").upper()
    if not 1 <= len(cleaned) <= 12 or any(c not in CODE_ALPHABET for c in cleaned):
        return ""
    return cleaned


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _e164(phone: object) -> str:
    number = to_python(str(phone)) if phone else None
    if number is None or not number.is_valid():
        return ""
    return number.as_e164


def referral_phone_hashes(*, phone: str) -> list[str]:
    """Keyed hashes of a mobile number: under the current secret key first, then under each
    retired one (SECRET_KEY_FALLBACKS), so rotating the key does not free numbers already
    referred. The number itself is never stored."""
    e164 = _e164(phone)
    if not e164:
        return []
    secrets_ = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [
        salted_hmac(_PHONE_HASH_SALT, e164, secret=secret, algorithm="sha256").hexdigest()
        for secret in secrets_
    ]


@transaction.atomic
def referral_code_ensure(*, member: Member) -> str:
    """The member's referral code, given now if they have none yet (members from before
    referrals, or made in bulk). Safe to call twice at once: the first code written wins."""
    if member.referral_code:
        return member.referral_code
    for _attempt in range(10):
        code = _new_code()
        try:
            with transaction.atomic():  # savepoint: a code taken by someone else is retried
                Member.objects.filter(pk=member.pk, referral_code__isnull=True).update(
                    referral_code=code
                )
        except IntegrityError:
            continue
        member.referral_code = Member.objects.values_list("referral_code", flat=True).get(
            pk=member.pk
        )
        return member.referral_code
    raise RuntimeError("could not find a free referral code")  # 31^8 codes: never in practice


def referral_codes_fill(*, batch_size: int = 1000) -> int:
    """Give a code to every member who has none (members made in bulk, such as the demo's,
    skip sign-up), a batch at a time: one read and one write per batch. Returns how many."""
    given = 0
    while True:
        batch = list(Member.objects.filter(referral_code__isnull=True).only("pk")[:batch_size])
        if not batch:
            return given
        codes = {_new_code() for _ in range(len(batch) * 2)}
        codes -= set(
            Member.objects.filter(referral_code__in=codes).values_list("referral_code", flat=True)
        )
        for member, code in zip(batch, codes, strict=False):
            member.referral_code = code
        try:
            with transaction.atomic():  # a code taken meanwhile by a sign-up: draw again
                Member.objects.bulk_update(batch, ["referral_code"], batch_size=batch_size)
        except IntegrityError:
            continue
        given += len(batch)


@transaction.atomic
def referral_record(
    *, referrer: Member, referred: Member, phone: str, now: datetime | None = None
) -> Referral:
    """Link a new member to the member whose code they signed up with.

    Raises ValidationError (nothing written) when the new member has no valid mobile number,
    refers themselves (their own code, or a code whose owner has the same number), or when
    the number was referred before, even by an account closed since: a number earns a
    referral once, ever.
    """
    e164 = _e164(phone)
    if not e164:
        raise ValidationError(
            _("Referral codes work with a mobile number: sign up with yours to use one."),
            code="no_phone",
        )
    referrer_phone = _e164(referrer.user.phone) if referrer.user_id else ""
    if referrer.pk == referred.pk or referrer_phone == e164:
        raise ValidationError(
            _("You cannot use your own referral code: share it with friends instead."),
            code="self_referral",
        )
    hashes = referral_phone_hashes(phone=e164)
    already = _("This mobile number was already referred once, so the code was not used.")
    if Referral.objects.filter(phone_hash__in=hashes).exists():
        raise ValidationError(already, code="phone_referred")
    if Referral.objects.filter(referred=referred).exists():
        raise ValidationError(_("This membership was already referred."), code="member_referred")
    try:
        with transaction.atomic():  # savepoint: the same number signing up twice at once
            return Referral.objects.create(
                referrer=referrer,
                referred=referred,
                phone_hash=hashes[0],
                created_at=now or timezone.now(),
            )
    except IntegrityError:
        raise ValidationError(already, code="phone_referred") from None


def referral_qualify(*, member_id: int, order_number: str, now: datetime) -> Referral | None:
    """Call in the transaction that records the member's first completed order: if someone
    referred them, mark the referral qualified and record REFERRAL_QUALIFIED on the referrer
    (the automatic rules give the reward). Exactly once per referral: the row is updated only
    while unqualified, and on PostgreSQL a concurrent first order waits for this one and then
    finds it qualified.

    A refunded or voided first order does not un-qualify the referral: the friend came to the
    shop and paid once, which is what the reward is for, and taking a reward back would need
    the rules to reverse it. A referrer whose account was closed earns nothing.
    """
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError(
            "Qualify a referral in the transaction of the order that qualifies it."
        )
    updated = Referral.objects.filter(
        referred_id=member_id, qualified_at__isnull=True, referrer__isnull=False
    ).update(qualified_at=now)
    if not updated:
        return None
    referral = Referral.objects.get(referred_id=member_id)
    member_event_record(
        member_id=referral.referrer_id,
        kind=MemberEvent.Kind.REFERRAL_QUALIFIED,
        occurred_at=now,
        source_type="referral",
        source_id=referral.pk,
        data={"referred_member": member_id, "order": order_number},
    )
    return referral
