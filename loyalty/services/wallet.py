"""Stored value: top-up (with the owner's bonus rules), pay (with the tier's discount), refunds.

The wallet keeps principal (money paid in) and bonus (given by the shop) apart. Payments
take from both in proportion to what is held; refunding a top-up takes back its bonus in
proportion to the principal refunded.

A single-ledger service: it writes wallet entries only. A bonus rule may also give a
package; granting it (and withdrawing it when the top-up is refunded) is the top-up flow's
job, in loyalty.flows.top_up, which calls this module and the packages service in the one
lock order.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.conf import currency, loyalty_settings
from loyalty.engine import ledger as engine
from loyalty.lock_objects import lock_wallet_account
from loyalty.models import (
    EntryKind,
    TopUpBonusRule,
    TopUpMethod,
    WalletAccount,
    WalletEntry,
)
from membership.models import Member, MemberEvent, MemberMessage
from membership.services.events import member_event_record
from membership.services.messages import member_message_post

from ._base import entry_provenance, existing_entry, parse_money, require_key

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class WalletTopUpResult:
    entry: WalletEntry
    bonus: Decimal
    # The package the chosen bonus rule also gives (granted by the top-up flow, not here).
    bonus_package_id: int | None
    # True when the key was used before: `entry` is the one written then, nothing new was.
    replayed: bool


@dataclass(frozen=True)
class WalletTopUpRefundResult:
    entry: WalletEntry
    # This call paid back the last of the top-up's money (False on a retry, which writes
    # nothing): the moment the top-up flow withdraws a package the top-up granted.
    completes_refund: bool


@dataclass(frozen=True)
class WalletPaymentResult:
    list_price: Decimal
    discount: Decimal
    charged: Decimal
    principal_part: Decimal
    bonus_part: Decimal
    entry: WalletEntry

    @classmethod
    def from_entry(cls, entry: WalletEntry) -> "WalletPaymentResult":
        return cls(
            list_price=entry.list_amount if entry.list_amount is not None else -entry.amount,
            discount=entry.discount_amount,
            charged=-entry.amount,
            principal_part=-entry.principal_amount,
            bonus_part=-entry.bonus_amount,
            entry=entry,
        )


def _append(
    *,
    account: WalletAccount,
    principal: Decimal,
    bonus: Decimal,
    kind: str,
    key: str,
    reason: str = "",
    source_type: str = "",
    source_id: str = "",
    acting_user=None,
    reverses: WalletEntry | None = None,
    list_amount: Decimal | None = None,
    discount: Decimal = ZERO,
    method: str = "",
    now: datetime | None = None,
    notify: bool = True,
) -> WalletEntry:
    account.principal += principal
    account.bonus += bonus
    if account.principal < 0 or account.bonus < 0:  # the services check first; never write this
        raise ValidationError(_("Not enough stored value."), code="insufficient")
    entry = WalletEntry.objects.create(
        account=account,
        currency=account.currency,
        amount=principal + bonus,
        principal_amount=principal,
        bonus_amount=bonus,
        balance_after=account.principal + account.bonus,
        **entry_provenance(
            kind=kind,
            key=key,
            reason=reason,
            source_type=source_type,
            source_id=source_id,
            acting_user=acting_user,
            reverses=reverses,
        ),
        list_amount=list_amount,
        discount_amount=discount,
        method=method,
        created_at=now or timezone.now(),
    )
    account.save(update_fields=["principal", "bonus", "updated_at"])
    if not notify:
        return entry
    # The 余额变动提醒: every change the member makes or is given is told once.
    member_message_post(
        member_id=account.member_id,
        kind=MemberMessage.Kind.BALANCE_CHANGED,
        data={
            "entry_id": entry.pk,
            "entry_kind": kind,
            "amount": str(entry.amount),
            "bonus": str(bonus) if kind == EntryKind.TOP_UP and bonus > 0 else "",
            "balance_after": str(entry.balance_after),
            "currency": entry.currency,
            "source_type": source_type,
            "source_id": str(source_id),
        },
        idempotency_key=f"wallet_entry:{entry.pk}",
        created_at=entry.created_at,
    )
    return entry


def _active_bonus_rules() -> list[engine.BonusRuleView]:
    return [
        engine.BonusRuleView(
            id=r.id, min_amount=r.min_amount, bonus_amount=r.bonus_amount, package_id=r.package_id
        )
        for r in TopUpBonusRule.objects.filter(is_active=True)
    ]


def top_up_bonus_preview(*, amount: Decimal) -> engine.BonusRuleView | None:
    """The bonus rule a top-up of `amount` would get (for showing next to the amount)."""
    return engine.choose_bonus_rule(amount=amount, rules=_active_bonus_rules())


def validate_top_up_amount(amount) -> Decimal:
    amount = parse_money(amount)
    maximum = loyalty_settings().top_up_maximum
    if maximum and amount > maximum:
        raise ValidationError(
            {"amount": _("A single top-up can be at most %(max)s.") % {"max": maximum}},
            code="over_maximum",
        )
    return amount


@transaction.atomic
def wallet_top_up(
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
) -> WalletTopUpResult:
    """Add money to the wallet with the owner's top-up bonus money.

    The result names the package the bonus rule also gives, if any; this service does not
    grant it (``loyalty.flows.top_up.top_up_with_bonus`` does).
    """
    key = require_key(idempotency_key)
    if method not in TopUpMethod.values:
        raise ValidationError({"method": _("Choose how the top-up was paid.")}, code="method")
    amount = validate_top_up_amount(amount)
    account = lock_wallet_account(member.pk)
    if entry := existing_entry(WalletEntry, key=key, account=account, kinds=(EntryKind.TOP_UP,)):
        return WalletTopUpResult(
            entry=entry, bonus=entry.bonus_amount, bonus_package_id=None, replayed=True
        )
    rule = top_up_bonus_preview(amount=amount)
    bonus = rule.bonus_amount if rule else ZERO
    method_label = TopUpMethod(method).label
    entry = _append(
        account=account,
        principal=amount,
        bonus=bonus,
        kind=EntryKind.TOP_UP,
        key=key,
        reason=reason or _("Top-up (%(method)s)") % {"method": method_label},
        source_type=source_type,
        source_id=source_id,
        acting_user=acting_user,
        method=method,
        now=now,
    )
    member_event_record(
        member_id=member.pk,
        kind=MemberEvent.Kind.TOPPED_UP,
        occurred_at=entry.created_at,
        source_type="wallet_entry",
        source_id=entry.pk,
        data={"amount": str(amount), "bonus": str(bonus), "method": method},
    )
    return WalletTopUpResult(
        entry=entry,
        bonus=bonus,
        bonus_package_id=rule.package_id if rule else None,
        replayed=False,
    )


@transaction.atomic
def wallet_pay(
    *,
    member: Member,
    amount: Decimal,
    idempotency_key: str,
    source_type: str = "",
    source_id: str = "",
    acting_user=None,
    reason: str = "",
    apply_tier_discount: bool = True,
    now: datetime | None = None,
) -> WalletPaymentResult:
    """Pay `amount` (the list price) from stored value, less the tier's stored-value discount."""
    key = require_key(idempotency_key)
    list_price = parse_money(amount)
    account = lock_wallet_account(member.pk)
    if entry := existing_entry(WalletEntry, key=key, account=account, kinds=(EntryKind.PAY,)):
        return WalletPaymentResult.from_entry(entry)
    percent = (
        member.tier.stored_value_discount_percent
        if (apply_tier_discount and member.tier_id)
        else ZERO
    )
    discount = engine.stored_value_discount(list_amount=list_price, discount_percent=percent)
    charged = list_price - discount
    if charged <= 0:
        raise ValidationError({"amount": _("There is nothing to pay.")}, code="nothing_to_pay")
    if charged > account.balance:
        raise ValidationError(
            {
                "amount": _(
                    "Not enough stored value: the balance is %(balance)s and %(charged)s is due."
                )
                % {"balance": account.balance, "charged": charged}
            },
            code="insufficient",
        )
    split = engine.split_payment(amount=charged, principal=account.principal, bonus=account.bonus)
    entry = _append(
        account=account,
        principal=-split.principal,
        bonus=-split.bonus,
        kind=EntryKind.PAY,
        key=key,
        reason=reason or _("Paid from stored value"),
        source_type=source_type,
        source_id=source_id,
        acting_user=acting_user,
        list_amount=list_price,
        discount=discount,
        now=now,
    )
    return WalletPaymentResult.from_entry(entry)


@transaction.atomic
def wallet_refund(
    *,
    payment_entry: WalletEntry,
    idempotency_key: str,
    acting_user=None,
    amount: Decimal | None = None,
    reason: str = "",
) -> WalletEntry:
    """Give a stored-value payment back to the wallet (all of it, or `amount` of what was charged).

    Principal and bonus go back in the shares they were paid with.
    """
    key = require_key(idempotency_key)
    account = lock_wallet_account(payment_entry.account.member_id)
    if entry := existing_entry(WalletEntry, key=key, account=account, kinds=(EntryKind.REFUND,)):
        return entry
    payment = WalletEntry.objects.get(pk=payment_entry.pk)
    if payment.kind != EntryKind.PAY:
        raise ValidationError(_("Only a stored-value payment can be refunded here."), code="kind")
    refunded = payment.reversals.aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]
    open_amount = -payment.amount - refunded
    if open_amount <= 0:
        raise ValidationError(_("This payment was already refunded."), code="already_refunded")
    wanted = open_amount if amount is None else parse_money(amount)
    if wanted > open_amount:
        raise ValidationError(
            {
                "amount": _("At most %(amount)s of this payment can be refunded.")
                % {"amount": open_amount}
            },
            code="too_much",
        )
    charged = -payment.amount
    if wanted == open_amount:  # the last part: exactly what is left of each share
        refunded_bonus = payment.reversals.aggregate(total=Coalesce(Sum("bonus_amount"), ZERO))[
            "total"
        ]
        bonus = -payment.bonus_amount - refunded_bonus
    else:
        bonus = min(engine.quantize_money(wanted * -payment.bonus_amount / charged), wanted)
    principal = wanted - bonus
    return _append(
        account=account,
        principal=principal,
        bonus=bonus,
        kind=EntryKind.REFUND,
        key=key,
        reason=reason or _("Payment refunded to stored value"),
        source_type=payment.source_type,
        source_id=payment.source_id,
        acting_user=acting_user,
        reverses=payment,
    )


@transaction.atomic
def wallet_top_up_refund(
    *,
    top_up_entry: WalletEntry,
    idempotency_key: str,
    acting_user=None,
    amount: Decimal | None = None,
    reason: str = "",
) -> WalletTopUpRefundResult:
    """Pay back (all or `amount` of) a top-up's money and take back its bonus in proportion.

    Bonus the member has already spent is deducted from the principal instead. The entry's
    `list_amount` is the money paid back to the member. A package the top-up granted is
    withdrawn by the top-up flow (``loyalty.flows.top_up.top_up_refund``), not here.
    """
    key = require_key(idempotency_key)
    account = lock_wallet_account(top_up_entry.account.member_id)
    if entry := existing_entry(WalletEntry, key=key, account=account, kinds=(EntryKind.REVERSAL,)):
        return WalletTopUpRefundResult(entry=entry, completes_refund=False)
    top_up = WalletEntry.objects.get(pk=top_up_entry.pk)
    if top_up.kind != EntryKind.TOP_UP:
        raise ValidationError(_("Only a top-up can be refunded here."), code="kind")
    previous = list(top_up.reversals.values_list("amount", "list_amount"))
    paid_back = sum((lst or ZERO for _a, lst in previous), ZERO)
    recovered = sum((-a - (lst or ZERO) for a, lst in previous), ZERO)
    open_amount = top_up.principal_amount - paid_back
    if open_amount <= 0:
        raise ValidationError(_("This top-up was already refunded."), code="already_refunded")
    wanted = open_amount if amount is None else parse_money(amount)
    if wanted > open_amount:
        raise ValidationError(
            {
                "amount": _("At most %(amount)s of this top-up can be refunded.")
                % {"amount": open_amount}
            },
            code="too_much",
        )
    bonus_due = (
        engine.bonus_to_take_back(
            refund_principal=paid_back + wanted,
            top_up_principal=top_up.principal_amount,
            top_up_bonus=top_up.bonus_amount,
        )
        - recovered
    )
    bonus_due = max(bonus_due, ZERO)
    bonus_taken = min(bonus_due, account.bonus)
    principal_taken = wanted + (bonus_due - bonus_taken)
    if principal_taken > account.principal:
        can = max(account.principal - (bonus_due - bonus_taken), ZERO)
        raise ValidationError(
            {
                "amount": _("Only %(amount)s of this top-up is left in the wallet to refund.")
                % {"amount": can}
            },
            code="insufficient",
        )
    entry = _append(
        account=account,
        principal=-principal_taken,
        bonus=-bonus_taken,
        kind=EntryKind.REVERSAL,
        key=key,
        reason=reason or _("Top-up refunded"),
        source_type=top_up.source_type,
        source_id=top_up.source_id,
        acting_user=acting_user,
        reverses=top_up,
        list_amount=wanted,
    )
    return WalletTopUpRefundResult(
        entry=entry, completes_refund=paid_back + wanted == top_up.principal_amount
    )


@transaction.atomic
def wallet_open_balance(
    *,
    member: Member,
    amount: Decimal,
    idempotency_key: str,
    acting_user=None,
    source_type: str = "",
    source_id: str = "",
    now: datetime | None = None,
) -> WalletEntry:
    """Carry a balance over from the shop's old till: principal only, no top-up bonus, no
    top-up event (no reward rule reacts to money the old till already had), and no balance
    message: the balance did not change for the member, it only moved to this system (and
    an import of a whole shop would text every customer at once).

    A retry with the same key returns the entry written the first time.
    """
    key = require_key(idempotency_key)
    amount = parse_money(amount)
    account = lock_wallet_account(member.pk)
    if entry := existing_entry(WalletEntry, key=key, account=account, kinds=(EntryKind.OPENING,)):
        return entry
    return _append(
        account=account,
        principal=amount,
        bonus=ZERO,
        kind=EntryKind.OPENING,
        key=key,
        reason=_("Opening balance carried over from the old till"),
        source_type=source_type,
        source_id=source_id,
        acting_user=acting_user,
        now=now,
        notify=False,
    )


@dataclass(frozen=True)
class WalletOpening:
    member_id: int
    amount: Decimal | int
    idempotency_key: str


@transaction.atomic
def wallet_open_balances(
    *,
    openings: list[WalletOpening],
    acting_user=None,
    source_type: str = "",
    source_id: str = "",
    now: datetime | None = None,
) -> list[WalletEntry]:
    """wallet_open_balance for many members made in this transaction (an import's new
    customers), in a fixed number of queries: each gets its account and one opening entry
    (principal only, no bonus, no message, the same key).

    The members must have no wallet account yet: they are not visible to any other
    transaction, so there is nothing to lock. A key already used writes nothing for that
    member (a re-run)."""
    if not openings:
        return []
    keys = [require_key(o.idempotency_key) for o in openings]
    used = set(
        WalletEntry.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
    todo = [(o, k) for o, k in zip(openings, keys, strict=True) if k not in used]
    if not todo:
        return []
    now = now or timezone.now()
    unit = currency()
    amounts = [parse_money(o.amount) for o, _k in todo]
    reason = _("Opening balance carried over from the old till")
    accounts = WalletAccount.objects.bulk_create(
        [
            WalletAccount(member_id=o.member_id, currency=unit, principal=a, bonus=ZERO)
            for (o, _k), a in zip(todo, amounts, strict=True)
        ],
        batch_size=1000,
    )
    return WalletEntry.objects.bulk_create(
        [
            WalletEntry(
                account=account,
                currency=unit,
                amount=amount,
                principal_amount=amount,
                bonus_amount=ZERO,
                balance_after=amount,
                **entry_provenance(
                    kind=EntryKind.OPENING,
                    key=key,
                    reason=reason,
                    source_type=source_type,
                    source_id=source_id,
                    acting_user=acting_user,
                    reverses=None,
                ),
                created_at=now,
            )
            for account, amount, (_o, key) in zip(accounts, amounts, todo, strict=True)
        ],
        batch_size=1000,
    )
