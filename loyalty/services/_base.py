"""Shared helpers for the ledger services: input parsing, provenance, idempotency.

Row locks are taken through loyalty.lock_objects, in its one order."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from loyalty.conf import currency_places
from loyalty.engine.ledger import decimal_places_of


def parse_money(value, *, field: str = "amount", allow_zero: bool = False) -> Decimal:
    """A positive amount with no more decimals than the currency has, else ValidationError."""
    if isinstance(value, bool) or value is None:
        raise ValidationError({field: _("Enter an amount.")}, code="invalid")
    if isinstance(value, float):
        value = str(value)
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Enter an amount as a number.")}, code="invalid") from None
    if not amount.is_finite():
        raise ValidationError({field: _("Enter an amount as a number.")}, code="invalid")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError({field: _("Enter an amount greater than zero.")}, code="not_positive")
    places = currency_places()
    if decimal_places_of(amount.normalize() if amount != 0 else amount) > places:
        raise ValidationError(
            {
                field: _("Enter an amount with at most %(places)d decimal places.")
                % {"places": places}
            },
            code="too_many_decimals",
        )
    if amount >= Decimal("10000000000"):
        raise ValidationError({field: _("This amount is too large.")}, code="too_large")
    return amount.quantize(Decimal("0.01"))


def parse_points(value, *, field: str = "points") -> int:
    """A whole positive number of points, else ValidationError."""
    if isinstance(value, bool) or value is None:
        raise ValidationError({field: _("Enter a number of points.")}, code="invalid")
    if isinstance(value, int):
        points = value
    else:
        text = str(value).strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValidationError(
                {field: _("Enter a whole number of points.")}, code="invalid"
            ) from None
        if not number.is_finite() or number != number.to_integral_value():
            raise ValidationError({field: _("Enter a whole number of points.")}, code="invalid")
        points = int(number)
    if points <= 0:
        raise ValidationError(
            {field: _("Enter a number of points greater than zero.")}, code="not_positive"
        )
    if points > 10**15:
        raise ValidationError({field: _("This number of points is too large.")}, code="too_large")
    return points


def require_key(idempotency_key: str) -> str:
    key = (idempotency_key or "").strip()
    if not key or len(key) > 160:
        raise ValidationError(_("A request key (1–160 characters) is required."), code="no_key")
    return key


def entry_provenance(
    *, kind: str, key: str, reason: str, source_type: str, source_id, acting_user, reverses
) -> dict:
    """The fields every ledger entry carries about why it exists, whatever the ledger."""
    return {
        "kind": kind,
        "reason": reason[:255],
        "source_type": source_type,
        "source_id": str(source_id),
        "acting_user": acting_user,
        "idempotency_key": key,
        "reverses": reverses,
    }


def existing_entry(model, *, key: str, account, kinds: tuple[str, ...]):
    """The entry already written for this key (a retry), or None.

    Called after the account is locked, so a concurrent retry waits and then sees it.
    """
    entry = model.objects.filter(idempotency_key=key).first()
    if entry is None:
        return None
    if entry.account_id != account.pk or entry.kind not in kinds:
        raise ValidationError(
            _("This request key was already used for a different operation."), code="key_reused"
        )
    return entry
