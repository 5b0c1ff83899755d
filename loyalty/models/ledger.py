"""Append-only ledgers for points and stored value.

One design for both kinds: an account per member and kind holding a cached balance, and
entries that are only ever appended. Points are integers; stored value is Decimal money
kept as principal and bonus, so a refund can take the bonus back. The database enforces
the invariants; services lock the account row before appending an entry.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from membership.models.append_only import AppendOnlyModel

HALF_CENT = Decimal("0.005")


class EntryKind(models.TextChoices):
    EARN = "earn", _("Earned")
    REDEEM = "redeem", _("Redeemed")
    EXPIRE = "expire", _("Expired")
    TOP_UP = "top_up", _("Top-up")
    PAY = "pay", _("Payment")
    REFUND = "refund", _("Refund")
    REVERSAL = "reversal", _("Reversal")
    ADJUST = "adjust", _("Adjustment")
    GRANT = "grant", _("Granted")
    USE = "use", _("Used")
    # A balance carried over from the shop's old till (no top-up bonus, no earning rule).
    OPENING = "opening", _("Opening balance (import)")


class LedgerEntryBase(AppendOnlyModel):
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    # What caused the entry, e.g. ("order", "123") or ("stripe_session", "cs_..."),
    source_type = models.CharField(_("source type"), max_length=40, blank=True)
    source_id = models.CharField(_("source id"), max_length=120, blank=True)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=160, unique=True)
    reverses = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversals"
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


class PointsAccount(models.Model):
    member = models.OneToOneField(
        "membership.Member", on_delete=models.PROTECT, related_name="points_account"
    )
    balance = models.BigIntegerField(_("points"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="points_balance_not_negative")
        ]


class PointsEntry(LedgerEntryBase):
    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField(_("points"))
    balance_after = models.BigIntegerField(_("balance after"))
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta(LedgerEntryBase.Meta):
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        indexes = [models.Index(fields=["account", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="points_entry_amount_not_zero"),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="points_entry_balance_not_negative"
            ),
        ]


class WalletAccount(models.Model):
    member = models.OneToOneField(
        "membership.Member", on_delete=models.PROTECT, related_name="wallet_account"
    )
    currency = models.CharField(_("currency"), max_length=3, default=settings.PORTAL_CURRENCY)
    principal = models.DecimalField(
        _("principal"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    bonus = models.DecimalField(_("bonus"), max_digits=12, decimal_places=2, default=Decimal("0"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("stored-value account")
        verbose_name_plural = _("stored-value accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(principal__gte=0), name="wallet_principal_not_negative"
            ),
            models.CheckConstraint(condition=Q(bonus__gte=0), name="wallet_bonus_not_negative"),
        ]

    @property
    def balance(self) -> Decimal:
        return self.principal + self.bonus


class TopUpMethod(models.TextChoices):
    ONLINE = "online", _("Online payment")
    CASH = "cash", _("Cash")
    CARD_TERMINAL = "card_terminal", _("Card terminal")


class WalletEntry(LedgerEntryBase):
    account = models.ForeignKey(WalletAccount, on_delete=models.PROTECT, related_name="entries")
    currency = models.CharField(_("currency"), max_length=3)
    # Payments: the price before the tier's stored-value discount, and that discount.
    list_amount = models.DecimalField(
        _("list price"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    discount_amount = models.DecimalField(
        _("discount"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    # Top-ups: how the money came in.
    method = models.CharField(_("method"), max_length=16, choices=TopUpMethod.choices, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    principal_amount = models.DecimalField(_("principal part"), max_digits=12, decimal_places=2)
    bonus_amount = models.DecimalField(_("bonus part"), max_digits=12, decimal_places=2)
    balance_after = models.DecimalField(_("balance after"), max_digits=12, decimal_places=2)

    class Meta(LedgerEntryBase.Meta):
        verbose_name = _("stored-value entry")
        verbose_name_plural = _("stored-value entries")
        indexes = [models.Index(fields=["account", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="wallet_entry_amount_not_zero"),
            # amount == principal + bonus. Written as "within half a cent" because SQLite
            # adds decimals as floats; for values with two decimals this is still exact.
            models.CheckConstraint(
                condition=Q(amount__gt=F("principal_amount") + F("bonus_amount") - HALF_CENT)
                & Q(amount__lt=F("principal_amount") + F("bonus_amount") + HALF_CENT),
                name="wallet_entry_parts_add_up",
            ),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="wallet_entry_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(discount_amount__gte=0), name="wallet_entry_discount_not_negative"
            ),
        ]


class PointsAllocation(AppendOnlyModel):
    """Which earned lot a spending entry (redeem, expiry, reversal) took its points from.

    Append-only like the entries. A lot's remaining points are its amount minus its
    allocations, so soonest-to-expire-first spending needs no mutable counter.
    """

    consumer = models.ForeignKey(PointsEntry, on_delete=models.PROTECT, related_name="allocations")
    lot = models.ForeignKey(PointsEntry, on_delete=models.PROTECT, related_name="consumed_by")
    points = models.BigIntegerField(_("points"))

    class Meta:
        verbose_name = _("points allocation")
        verbose_name_plural = _("points allocations")
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="points_allocation_positive"),
            models.UniqueConstraint(fields=["consumer", "lot"], name="points_allocation_unique"),
        ]


class PointsExpiryWarning(models.Model):
    """A member was told that a lot of points expires soon (one warning per lot)."""

    lot = models.OneToOneField(PointsEntry, on_delete=models.PROTECT, related_name="warning")
    points = models.BigIntegerField(_("points"))
    by_sms = models.BooleanField(_("sent by SMS"), default=False)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("points expiry warning")
        verbose_name_plural = _("points expiry warnings")
