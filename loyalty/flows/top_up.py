"""Top-ups with the owner's bonus: money into the wallet, and a package when the rule gives one.

The bonus rule is chosen once, by the wallet service, under the member lock; this flow grants
the package that rule names and, when the top-up's money is paid back in full, withdraws
what is left of it.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from loyalty.lock_objects import lock_member
from loyalty.models import MemberPackage, Package, TopUpMethod, WalletEntry
from loyalty.services._base import require_key
from loyalty.services.packages import package_grant, package_revoke
from loyalty.services.wallet import wallet_top_up, wallet_top_up_refund
from membership.models import Member, StaffAction, User
from membership.services.audit import audit_record

COUNTER_TOP_UP_METHODS = (TopUpMethod.CASH, TopUpMethod.CARD_TERMINAL)


@dataclass(frozen=True)
class TopUpResult:
    entry: WalletEntry
    bonus: Decimal
    member_package: MemberPackage | None


def _package_key(top_up_key: str) -> str:
    return f"{top_up_key}:package"


@transaction.atomic
def top_up_with_bonus(
    *,
    member: Member,
    amount: Decimal,
    method: str,
    idempotency_key: str,
    acting_user=None,
    source_type: str = "",
    source_id: str = "",
    reason: str = "",
    now: datetime | None = None,
) -> TopUpResult:
    """Add money to the wallet, with the owner's top-up bonus (money and/or a package).

    A retry with the same key writes nothing and returns what the first call wrote.
    """
    key = require_key(idempotency_key)
    lock_member(member.pk)
    credit = wallet_top_up(
        member=member,
        amount=amount,
        method=method,
        idempotency_key=key,
        acting_user=acting_user,
        source_type=source_type,
        source_id=source_id,
        reason=reason,
        now=now,
    )
    member_package = None
    if credit.replayed:
        member_package = MemberPackage.objects.filter(idempotency_key=_package_key(key)).first()
    elif credit.bonus_package_id:
        member_package = package_grant(
            member=member,
            package=Package.objects.get(pk=credit.bonus_package_id),
            idempotency_key=_package_key(key),
            source_type="wallet_top_up",
            source_id=str(credit.entry.pk),
            acting_user=acting_user,
            now=now,
        )
    return TopUpResult(entry=credit.entry, bonus=credit.bonus, member_package=member_package)


@transaction.atomic
def top_up_refund(
    *,
    top_up_entry: WalletEntry,
    idempotency_key: str,
    acting_user=None,
    amount: Decimal | None = None,
    reason: str = "",
) -> WalletEntry:
    """Pay back (all or `amount` of) a top-up's money and take back its bonus in proportion.

    Bonus the member has already spent is deducted from the principal instead. The entry's
    `list_amount` is the money paid back to the member. Refunding a top-up in full also
    withdraws the unused part of a package it granted.
    """
    key = require_key(idempotency_key)
    lock_member(top_up_entry.account.member_id)
    refund = wallet_top_up_refund(
        top_up_entry=top_up_entry,
        idempotency_key=key,
        acting_user=acting_user,
        amount=amount,
        reason=reason,
    )
    if refund.completes_refund:
        granted = MemberPackage.objects.filter(
            idempotency_key=_package_key(top_up_entry.idempotency_key)
        ).first()
        if granted is not None:
            package_revoke(
                member_package=granted,
                idempotency_key=f"{key}:package",
                acting_user=acting_user,
            )
    return refund.entry


@transaction.atomic
def counter_top_up(
    *,
    member: Member,
    amount: Decimal,
    method: str,
    acting_user: User,
    idempotency_key: str,
) -> TopUpResult:
    """Top up at the counter (cash or card terminal) with the usual bonus rules, audited."""
    if method not in COUNTER_TOP_UP_METHODS:
        raise ValidationError(
            {"method": _("At the counter, choose cash or the card terminal.")}, code="method"
        )
    result = top_up_with_bonus(
        member=member,
        amount=amount,
        method=method,
        idempotency_key=require_key(idempotency_key),
        acting_user=acting_user,
        source_type="counter",
        source_id=str(acting_user.pk),
    )
    if StaffAction.objects.filter(
        action="wallet.top_up", object_type="wallet_entry", object_id=str(result.entry.pk)
    ).exists():
        return result  # a retry of the same top-up: already recorded
    audit_record(
        actor=acting_user,
        action="wallet.top_up",
        member=member,
        obj=result.entry,
        object_type="wallet_entry",
        details={
            "amount": str(result.entry.principal_amount),
            "bonus": str(result.bonus),
            "method": method,
            "package": result.member_package.pk if result.member_package else None,
        },
    )
    return result


__all__ = ["TopUpResult", "top_up_with_bonus", "top_up_refund", "counter_top_up"]
