"""Points: earn (with the tier's multiplier), redeem, reverse, expire, warn before expiry.

Earned points form lots (positive entries with their expiry). Spending entries record which
lots they took from (PointsAllocation), soonest-to-expire first.

A single-ledger service: texting members about expiring points is queued by the points
expiry flow (loyalty.flows.points_expiry), not here.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.conf import loyalty_settings
from loyalty.engine import ledger as engine
from loyalty.lock_objects import lock_points_account
from loyalty.models import (
    EntryKind,
    PointsAccount,
    PointsAllocation,
    PointsEntry,
    PointsExpiryWarning,
)
from loyalty.selectors.points import points_open_lots
from membership.models import Member

from ._base import (
    entry_provenance,
    existing_entry,
    parse_money,
    parse_points,
    require_key,
)


def _open_lots(account: PointsAccount) -> list[engine.Lot]:
    return points_open_lots(account=account)


def _append(
    *,
    account: PointsAccount,
    amount: int,
    kind: str,
    key: str,
    reason: str = "",
    source_type: str = "",
    source_id: str = "",
    acting_user=None,
    reverses: PointsEntry | None = None,
    expires_at: datetime | None = None,
    allocations: list[tuple[int, int]] = (),
    now: datetime | None = None,
) -> PointsEntry:
    account.balance += amount
    entry = PointsEntry.objects.create(
        account=account,
        amount=amount,
        balance_after=account.balance,
        **entry_provenance(
            kind=kind,
            key=key,
            reason=reason,
            source_type=source_type,
            source_id=source_id,
            acting_user=acting_user,
            reverses=reverses,
        ),
        expires_at=expires_at,
        created_at=now or timezone.now(),
    )
    if allocations:
        PointsAllocation.objects.bulk_create(
            PointsAllocation(consumer=entry, lot_id=lot_id, points=points)
            for lot_id, points in allocations
        )
    account.save(update_fields=["balance", "updated_at"])
    return entry


def _expire_due(account: PointsAccount, now: datetime) -> list[PointsEntry]:
    """Expire this (locked) account's lots that are past their date; one entry per lot."""
    expired = []
    for lot in sorted(_open_lots(account), key=engine.lot_spending_order):
        if lot.expires_at is None or lot.expires_at > now:
            continue
        expired.append(
            _append(
                account=account,
                amount=-lot.remaining,
                kind=EntryKind.EXPIRE,
                key=f"points-expire:lot:{lot.id}",
                reason=_("Points expired"),
                source_type="points_lot",
                source_id=str(lot.id),
                allocations=[(lot.id, lot.remaining)],
                now=now,
            )
        )
    return expired


def points_for_purchase(*, member: Member, base_amount: Decimal) -> int:
    """How many points this member would earn on a spend (for showing before checkout)."""
    rule = loyalty_settings()
    multiplier = member.tier.points_multiplier if member.tier_id else Decimal("1")
    return engine.points_for_amount(
        base_amount=base_amount,
        points_per_unit=rule.points_per_currency_unit,
        multiplier=multiplier,
    )


@transaction.atomic
def points_earn(
    *,
    member: Member,
    base_amount: Decimal,
    idempotency_key: str,
    source_type: str = "",
    source_id: str = "",
    acting_user=None,
    reason: str = "",
    now: datetime | None = None,
) -> PointsEntry | None:
    """Award points for a spend of `base_amount` (the owner's rule × the tier's multiplier).

    Returns None when the spend earns no points. A retry with the same key returns the
    entry written the first time.
    """
    key = require_key(idempotency_key)
    amount = parse_money(base_amount, field="base_amount", allow_zero=True)
    account = lock_points_account(member.pk)
    if entry := existing_entry(PointsEntry, key=key, account=account, kinds=(EntryKind.EARN,)):
        return entry
    rule = loyalty_settings()
    multiplier = member.tier.points_multiplier if member.tier_id else Decimal("1")
    points = engine.points_for_amount(
        base_amount=amount, points_per_unit=rule.points_per_currency_unit, multiplier=multiplier
    )
    if points == 0:
        return None
    now = now or timezone.now()
    expires_at = _lot_expiry(rule, now)
    return _append(
        account=account,
        amount=points,
        kind=EntryKind.EARN,
        key=key,
        reason=reason or _("Points for a purchase"),
        source_type=source_type,
        source_id=source_id,
        acting_user=acting_user,
        expires_at=expires_at,
        now=now,
    )


def _lot_expiry(rule, now: datetime) -> datetime | None:
    """When a lot of points given at `now` expires under the shop's policy."""
    return engine.points_expiry(
        earned_at=timezone.localtime(now),
        policy=rule.points_expiry_policy,
        months=rule.points_expiry_months,
    )


def _give_lot(
    *,
    member: Member,
    points: int,
    idempotency_key: str,
    kind: str,
    reason: str,
    source_type: str,
    source_id: str,
    acting_user,
    now: datetime | None,
) -> PointsEntry:
    """One lot of points that expires like earned points (a grant, an opening balance). A
    retry with the same key returns the entry written the first time."""
    key = require_key(idempotency_key)
    points = parse_points(points)
    account = lock_points_account(member.pk)
    if entry := existing_entry(PointsEntry, key=key, account=account, kinds=(kind,)):
        return entry
    now = now or timezone.now()
    return _append(
        account=account,
        amount=points,
        kind=kind,
        key=key,
        reason=reason,
        source_type=source_type,
        source_id=source_id,
        acting_user=acting_user,
        expires_at=_lot_expiry(loyalty_settings(), now),
        now=now,
    )


@transaction.atomic
def points_open_balance(
    *,
    member: Member,
    points: int,
    idempotency_key: str,
    source_type: str = "",
    source_id: str = "",
    acting_user=None,
    now: datetime | None = None,
) -> PointsEntry:
    """Carry points over from the shop's old till as one lot, expiring under the shop's
    policy from the day of the import (the old till's earning dates are not known).

    A retry with the same key returns the entry written the first time.
    """
    return _give_lot(
        member=member,
        points=points,
        idempotency_key=idempotency_key,
        kind=EntryKind.OPENING,
        reason=_("Opening points carried over from the old till"),
        source_type=source_type,
        source_id=source_id,
        acting_user=acting_user,
        now=now,
    )


@transaction.atomic
def points_grant(
    *,
    member: Member,
    points: int,
    idempotency_key: str,
    reason: str,
    source_type: str = "",
    source_id: str = "",
    acting_user=None,
    now: datetime | None = None,
) -> PointsEntry:
    """Give a fixed number of points (a reward), expiring like earned points. A retry with
    the same key returns the entry written the first time."""
    return _give_lot(
        member=member,
        points=points,
        idempotency_key=idempotency_key,
        kind=EntryKind.GRANT,
        reason=reason,
        source_type=source_type,
        source_id=source_id,
        acting_user=acting_user,
        now=now,
    )


@transaction.atomic
def points_redeem(
    *,
    member: Member,
    points: int,
    idempotency_key: str,
    source_type: str = "",
    source_id: str = "",
    acting_user=None,
    reason: str = "",
    now: datetime | None = None,
) -> PointsEntry:
    """Spend points, soonest-to-expire first. More than the balance is refused."""
    key = require_key(idempotency_key)
    points = parse_points(points)
    account = lock_points_account(member.pk)
    if entry := existing_entry(PointsEntry, key=key, account=account, kinds=(EntryKind.REDEEM,)):
        return entry
    now = now or timezone.now()
    _expire_due(account, now)  # rolled back with everything else if the redeem is refused
    if points > account.balance:
        raise ValidationError(
            {
                "points": _("You can redeem at most %(balance)d points; you asked for %(points)d.")
                % {"balance": account.balance, "points": points}
            },
            code="not_enough_points",
        )
    allocations = engine.allocate_points(points=points, lots=_open_lots(account))
    return _append(
        account=account,
        amount=-points,
        kind=EntryKind.REDEEM,
        key=key,
        reason=reason or _("Points redeemed"),
        source_type=source_type,
        source_id=source_id,
        acting_user=acting_user,
        allocations=allocations,
        now=now,
    )


@transaction.atomic
def points_reverse(
    *,
    entry: PointsEntry,
    idempotency_key: str,
    acting_user=None,
    points: int | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> PointsEntry | None:
    """Undo an earn (points taken back, all or `points` of them) or a redeem (given back).

    Taking back never drives the balance below zero: if the member has already spent the
    points, what is left is taken and the entry says so. Returns None when nothing is left
    to take back.
    """
    key = require_key(idempotency_key)
    account = lock_points_account(entry.account.member_id)
    if done := existing_entry(PointsEntry, key=key, account=account, kinds=(EntryKind.REVERSAL,)):
        return done
    entry = PointsEntry.objects.get(pk=entry.pk)
    already = entry.reversals.aggregate(total=Coalesce(Sum("amount"), 0))["total"]
    open_amount = abs(entry.amount) - abs(already)
    if entry.kind not in (EntryKind.EARN, EntryKind.REDEEM):
        raise ValidationError(_("Only earned or redeemed points can be reversed."), code="kind")
    if open_amount <= 0:
        raise ValidationError(_("These points were already reversed."), code="already_reversed")
    wanted = open_amount if points is None else parse_points(points)
    if wanted > open_amount:
        raise ValidationError(
            {
                "points": _("At most %(points)d points of this entry can be reversed.")
                % {"points": open_amount}
            },
            code="too_many",
        )
    now = now or timezone.now()
    if entry.kind == EntryKind.REDEEM:
        lots = PointsEntry.objects.filter(consumed_by__consumer=entry).values_list(
            "expires_at", flat=True
        )
        expiries = list(lots)
        expires_at = None if (not expiries or None in expiries) else max(expiries)
        return _append(
            account=account,
            amount=wanted,
            kind=EntryKind.REVERSAL,
            key=key,
            reason=reason or _("Redeemed points given back"),
            source_type=entry.source_type,
            source_id=entry.source_id,
            acting_user=acting_user,
            reverses=entry,
            expires_at=expires_at,
            now=now,
        )
    _expire_due(account, now)
    take = min(wanted, account.balance)
    if take == 0:
        return None
    allocations = engine.allocate_points(points=take, lots=_open_lots(account), first=entry.pk)
    note = reason or _("Earned points taken back")
    if take < wanted:
        note = _("%(reason)s (%(missing)d points were already spent)") % {
            "reason": note,
            "missing": wanted - take,
        }
    return _append(
        account=account,
        amount=-take,
        kind=EntryKind.REVERSAL,
        key=key,
        reason=note,
        source_type=entry.source_type,
        source_id=entry.source_id,
        acting_user=acting_user,
        reverses=entry,
        allocations=allocations,
        now=now,
    )


def points_expire_due(*, now: datetime | None = None) -> int:
    """Expire every lot past its date (one short transaction per account). Returns points expired."""
    now = now or timezone.now()
    account_ids = (
        PointsEntry.objects.filter(amount__gt=0, expires_at__lte=now)
        .annotate(used=Coalesce(Sum("consumed_by__points"), 0))
        .filter(amount__gt=F("used"))
        .values_list("account_id", flat=True)
        .distinct()
    )
    total = 0
    for account_id in sorted(set(account_ids)):
        with transaction.atomic():
            member_id = PointsAccount.objects.values_list("member_id", flat=True).get(pk=account_id)
            account = lock_points_account(member_id)
            total += -sum(e.amount for e in _expire_due(account, now))
    return total


def points_expiry_warnings_due(
    *, now: datetime
) -> list[tuple[Member, list[tuple[PointsEntry, int]]]]:
    """Each member with lots that expire within the owner's warning window and have no
    warning yet, with the points left in each lot (none when the owner turned warnings off)."""
    days = loyalty_settings().points_warning_days
    if not days:
        return []
    horizon = now + timezone.timedelta(days=days)
    lots = (
        PointsEntry.objects.filter(
            amount__gt=0, expires_at__gt=now, expires_at__lte=horizon, warning__isnull=True
        )
        .annotate(used=Coalesce(Sum("consumed_by__points"), 0))
        .filter(amount__gt=F("used"))
        .select_related("account__member")
        .order_by("account_id", "expires_at")
    )
    by_member: dict[int, list[tuple[PointsEntry, int]]] = {}
    for lot in lots:
        by_member.setdefault(lot.account.member_id, []).append((lot, lot.amount - lot.used))
    return [(member_lots[0][0].account.member, member_lots) for member_lots in by_member.values()]


@transaction.atomic
def points_expiry_warn(
    *, member: Member, lots: list[tuple[PointsEntry, int]], now: datetime
) -> bool:
    """Record a warning for each of these lots of the member's (once per lot); members see
    them on their points page. True when a new one was written for a member who agreed to
    SMS: a text is due (the points expiry flow queues it after commit)."""
    created = [
        PointsExpiryWarning.objects.get_or_create(
            lot=lot,
            defaults={
                "points": left,
                "by_sms": member.consent_marketing_sms,
                "created_at": now,
            },
        )
        for lot, left in lots
    ]
    return member.consent_marketing_sms and any(was_new for _w, was_new in created)


@dataclass(frozen=True)
class PointsOpening:
    member_id: int
    points: int
    idempotency_key: str


@transaction.atomic
def points_open_balances(
    *,
    openings: list[PointsOpening],
    acting_user=None,
    source_type: str = "",
    source_id: str = "",
    now: datetime | None = None,
) -> list[PointsEntry]:
    """points_open_balance for many members made in this transaction (an import's new
    customers), in a fixed number of queries: each gets its account and one opening lot
    expiring under the shop's policy from today, with the same key.

    The members must have no points account yet: they are not visible to any other
    transaction, so there is nothing to lock. A key already used writes nothing for that
    member (a re-run)."""
    if not openings:
        return []
    keys = [require_key(o.idempotency_key) for o in openings]
    used = set(
        PointsEntry.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
    todo = [(o, k) for o, k in zip(openings, keys, strict=True) if k not in used]
    if not todo:
        return []
    rule = loyalty_settings()
    now = now or timezone.now()
    expires_at = _lot_expiry(rule, now)
    points = [parse_points(o.points) for o, _k in todo]
    accounts = PointsAccount.objects.bulk_create(
        [
            PointsAccount(member_id=o.member_id, balance=p)
            for (o, _k), p in zip(todo, points, strict=True)
        ],
        batch_size=1000,
    )
    reason = _("Opening points carried over from the old till")
    return PointsEntry.objects.bulk_create(
        [
            PointsEntry(
                account=account,
                amount=p,
                balance_after=p,
                **entry_provenance(
                    kind=EntryKind.OPENING,
                    key=key,
                    reason=reason,
                    source_type=source_type,
                    source_id=source_id,
                    acting_user=acting_user,
                    reverses=None,
                ),
                expires_at=expires_at,
                created_at=now,
            )
            for account, p, (_o, key) in zip(accounts, points, todo, strict=True)
        ],
        batch_size=1000,
    )


__all__ = [
    "points_earn",
    "points_open_balance",
    "points_open_balances",
    "points_redeem",
    "points_reverse",
    "points_expire_due",
    "points_expiry_warnings_due",
    "points_expiry_warn",
    "points_for_purchase",
]
