"""Counter forms: checkout, taking clothes in, paying on collection, refund/void, counter
top-up, follow-ups. Input only; rules live in the services."""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.conf import loyalty_settings
from loyalty.models import TopUpMethod
from loyalty.services.checkout import PaymentSplit
from membership.limits import max_order_amount, order_amount_check
from membership.models import Order, Store, User
from membership.services.orders import order_line_priced
from portal.coupon_words import coupon_conditions_text, coupon_value_text
from portal.templatetags.money import money

ZERO = Decimal("0.00")


def money_input(**attrs) -> forms.TextInput:
    """A keypad-friendly amount box (the phone shows the decimal keypad)."""
    return forms.TextInput(
        attrs={"inputmode": "decimal", "autocomplete": "off", "pattern": r"[0-9]*[.,]?[0-9]*"}
        | attrs
    )


# Digits with an optional decimal comma or point: no exponent ("1e3"), "_", "+" or "NaN".
# A minus passes here so that min_value answers it ("greater than or equal to 0").
PLAIN_AMOUNT = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")


class MoneyField(forms.DecimalField):
    """An amount typed at the counter: plain digits, at most the per-order bound."""

    default_error_messages = {
        "invalid": _("Enter a number in digits, like 45 or 45.50."),
        "too_large": _("An amount can be at most %(limit)s."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", ZERO)  # no amount at the counter is negative
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("widget", money_input())
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", ".").replace("，", ".")
            if value and not PLAIN_AMOUNT.fullmatch(value):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)

    def validate(self, value):
        super().validate(value)
        # Read at every use, not at import: the bound is a deployment setting.
        limit = max_order_amount()
        if value is not None and value > limit:
            raise forms.ValidationError(
                self.error_messages["too_large"], code="too_large", params={"limit": money(limit)}
            )


class PaymentForm(forms.Form):
    """How an order is paid: coupon, package, stored value / cash / card / mixed, points.
    The counter checkout and the payment of clothes collected share it."""

    PAY_STORED_VALUE = "stored_value"
    PAY_CASH = "cash"
    PAY_CARD = "card"
    PAY_MIXED = "mixed"

    # Radios: the template lays each choice out as a tap target (a select's options
    # rendered one by one are bare text a clerk cannot pick).
    coupon = forms.ModelChoiceField(
        label=_("Coupon"),
        queryset=None,
        required=False,
        empty_label=_("No coupon"),
        blank=True,  # keep "No coupon" among the radios
        widget=forms.RadioSelect,
    )
    package = forms.ModelChoiceField(
        label=_("Use a package"),
        queryset=None,
        required=False,
        empty_label=_("No package"),
        blank=True,
        widget=forms.RadioSelect,
    )
    pay_with = forms.ChoiceField(
        label=_("Pay with"),
        widget=forms.RadioSelect,
        choices=[
            (PAY_STORED_VALUE, _("Stored value")),
            (PAY_CASH, _("Cash")),
            (PAY_CARD, _("Card")),
            (PAY_MIXED, _("Mixed")),
        ],
    )
    stored_value = MoneyField(label=_("From stored value (before discount)"), required=False)
    cash = MoneyField(label=_("Cash"), required=False)
    card = MoneyField(label=_("Card"), required=False)
    points = forms.IntegerField(
        label=_("Points to use"),
        required=False,
        min_value=0,
        max_value=10**9,
        error_messages={"invalid": _("Enter the points as a whole number, like 500.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*"}
        ),
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=160)

    def __init__(self, *args, coupons, entitlements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coupon"].queryset = coupons
        self.fields["coupon"].label_from_instance = self._coupon_label
        self.fields["package"].queryset = entitlements
        self.fields["package"].label_from_instance = self._package_label

    @classmethod
    def submitted_key(cls, data) -> str | None:
        """The form's idempotency key if it is well formed (looked up before the form is
        validated, for a double tap), else None: a NUL byte must never reach a query."""
        try:
            return cls.base_fields["key"].clean(data.get("key", ""))
        except forms.ValidationError:
            return None

    @staticmethod
    def _coupon_label(coupon) -> str:
        text = _("%(name)s: %(value)s") % {
            "name": coupon.template.display_name,
            "value": coupon_value_text(coupon),
        }
        if conditions := coupon_conditions_text(coupon):
            text = f"{text} ({conditions})"
        return text

    @staticmethod
    def _package_label(entitlement) -> str:
        return _("%(package)s: %(service)s, %(left)d left") % {
            "package": entitlement.member_package.package.display_name,
            "service": entitlement.category.display_name,
            "left": entitlement.remaining,
        }

    def clean(self):
        data = super().clean()
        self._clean_lines(data)
        if self._asks_payment(data) and data.get("pay_with") == self.PAY_MIXED:
            parts = [data.get("stored_value"), data.get("cash"), data.get("card")]
            if not any(parts):
                raise forms.ValidationError(_("Enter how much is paid each way."))
        return data

    def _clean_lines(self, data) -> None:
        """The items of the order, for a form that enters them."""

    def _asks_payment(self, data) -> bool:
        return True

    def points_used(self) -> int:
        return self.cleaned_data.get("points") or 0

    def payments(self, *, due: Decimal, points_amount: Decimal = ZERO) -> PaymentSplit:
        """The split: the points entered, then the rest one way, or the amounts entered for a
        mixed payment. `points_amount` is what the points entered are worth."""
        data = self.cleaned_data
        method = data["pay_with"]
        points = self.points_used()
        if method == self.PAY_MIXED:
            return PaymentSplit(
                stored_value=data.get("stored_value") or ZERO,
                cash=data.get("cash") or ZERO,
                card=data.get("card") or ZERO,
                points=points,
            )
        # Points worth more than the amount due are refused by the quote (above the share).
        return PaymentSplit(**{method: max(due - points_amount, ZERO)}, points=points)


class CheckoutForm(PaymentForm):
    """An order rung up at the counter: its items, then how it is paid.

    With ``intake=True`` it takes clothes in: a note per item (a stain, damage), a due date
    and whether the member pays now or on collection (then no payment is asked for)."""

    TIMING_NOW = Order.PaymentTiming.ON_RECEIPT
    TIMING_LATER = Order.PaymentTiming.ON_COLLECTION

    is_express = forms.BooleanField(label=_("Express"), required=False)
    needs_pickup_delivery = forms.BooleanField(label=_("Pickup / delivery"), required=False)

    def __init__(
        self,
        *args,
        categories,
        coupons,
        entitlements,
        need_store: bool,
        intake: bool = False,
        **kwargs,
    ):
        super().__init__(*args, coupons=coupons, entitlements=entitlements, **kwargs)
        self.categories = list(categories)
        self.intake = intake
        if need_store:
            self.fields["store"] = forms.ModelChoiceField(
                label=_("Store"), queryset=Store.objects.filter(is_active=True)
            )
        if intake:
            self.fields["due_date"] = forms.DateField(
                label=_("Due"),
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
                error_messages={"invalid": _("Enter the due date as a date.")},
            )
            self.fields["payment_timing"] = forms.ChoiceField(
                label=_("Payment"),
                widget=forms.RadioSelect,
                choices=[
                    (self.TIMING_LATER, _("On collection")),
                    (self.TIMING_NOW, _("Now")),
                ],
                initial=self.TIMING_LATER,
            )
            # Paid on collection: nothing to choose now (checked in clean()).
            self.fields["pay_with"].required = False
        self.rows = []
        for category in self.categories:
            qty = forms.IntegerField(
                label=category.display_name,
                min_value=0,
                max_value=999,
                required=False,
                widget=forms.NumberInput(
                    attrs={"inputmode": "numeric", "min": 0, "max": 999, "class": "qty"}
                ),
            )
            amount = MoneyField(
                label=_("Amount"),
                min_value=ZERO,
                required=False,
                widget=money_input(
                    **{"class": "line-amount", "data-unit-price": str(category.default_price)}
                ),
            )
            self.fields[f"qty_{category.pk}"] = qty
            self.fields[f"amt_{category.pk}"] = amount
            if intake:
                self.fields[f"note_{category.pk}"] = forms.CharField(
                    label=_("Note"),
                    max_length=255,
                    required=False,
                    error_messages={"max_length": _("Keep each item's note under 255 characters.")},
                )
            self.rows.append((category, f"qty_{category.pk}", f"amt_{category.pk}"))

    def row_fields(self):
        """(category, count field, amount field, note field or None) for the template."""
        return [
            (category, self[qty], self[amt], self[f"note_{category.pk}"] if self.intake else None)
            for category, qty, amt in self.rows
        ]

    def _asks_payment(self, data) -> bool:
        return not (self.intake and data.get("payment_timing") == self.TIMING_LATER)

    @property
    def pays_later(self) -> bool:
        """Clothes taken in to be paid on collection."""
        return self.intake and self.cleaned_data.get("payment_timing") == self.TIMING_LATER

    def _clean_lines(self, data) -> None:
        lines = []
        for category, qty_name, amt_name in self.rows:
            quantity = data.get(qty_name) or 0
            amount = data.get(amt_name)
            note = (data.get(f"note_{category.pk}") or "").strip() if self.intake else ""
            if quantity == 0:
                if amount:
                    self.add_error(qty_name, _("Enter how many."))
                if note:
                    self.add_error(f"note_{category.pk}", _("Enter how many."))
                continue
            lines.append(
                order_line_priced(category=category, quantity=quantity, amount=amount, note=note)
            )
        if not lines and not self.errors:
            raise forms.ValidationError(_("Enter how many items of at least one kind."))
        self.lines = lines
        if lines and not self.errors:
            total = sum((line.amount for line in lines), ZERO)
            rule = loyalty_settings().points_per_currency_unit
            order_amount_check(amount=total, points_per_unit=rule)
        pays_now = self.intake and data.get("payment_timing") == self.TIMING_NOW
        if pays_now and not data.get("pay_with") and "pay_with" not in self.errors:
            self.add_error("pay_with", _("Choose how the member pays now."))

    def due_at(self, *, store: Store | None) -> datetime:
        """The due date entered, or the store's turnaround (express or not) from today; due
        by the end of that day in the shop's time zone."""
        day = self.cleaned_data.get("due_date")
        if day is None:
            day = garment_due_date(store=store, express=self.cleaned_data.get("is_express"))
        return timezone.make_aware(datetime.combine(day, time(23, 59)))


def garment_due_date(*, store: Store | None, express: bool) -> date:
    """The due date the counter proposes: today plus the store's days to clean."""
    if store is None:
        days = 1 if express else 3
    else:
        days = store.express_turnaround_days if express else store.turnaround_days
    return timezone.localdate() + timedelta(days=days)


class CollectForm(PaymentForm):
    """Payment for clothes collected (or delivered) that were taken in unpaid."""

    hand_over = forms.ChoiceField(
        label=_("Handed over"),
        widget=forms.RadioSelect,
        required=False,
        choices=[
            (Order.Stage.COLLECTED, _("Collected at the counter")),
            (Order.Stage.DELIVERED, _("Delivered")),
        ],
        initial=Order.Stage.COLLECTED,
    )

    def __init__(self, *args, order: Order, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order

    def hand_over_stage(self) -> str:
        return self.cleaned_data.get("hand_over") or Order.Stage.COLLECTED


class StageForm(forms.Form):
    to_stage = forms.ChoiceField(
        choices=Order.Stage.choices,
        error_messages={
            "required": _("Choose the stage to move the order to."),
            "invalid_choice": _("Unknown order stage."),
        },
    )


class CancelOrderForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Say why (a few words).")},
    )


class CounterTopUpForm(forms.Form):
    amount = MoneyField(label=_("Amount"), min_value=Decimal("0.01"))
    method = forms.ChoiceField(
        label=_("Paid by"),
        widget=forms.RadioSelect,
        choices=[
            (TopUpMethod.CASH, TopUpMethod.CASH.label),
            (TopUpMethod.CARD_TERMINAL, TopUpMethod.CARD_TERMINAL.label),
        ],
        initial=TopUpMethod.CASH,
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=160)


class FollowUpForm(forms.Form):
    reason = forms.CharField(
        label=_("What needs doing"),
        max_length=255,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Call back about the curtains")}),
    )
    details = forms.CharField(
        label=_("Details"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    due_date = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))
    assigned_to = forms.ModelChoiceField(
        label=_("Assigned to"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, staff_users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = staff_users
        self.fields["assigned_to"].label_from_instance = lambda user: (
            user.get_full_name() or user.username
        )
        if not self.is_bound:
            self.initial.setdefault("due_date", timezone.localdate() + timedelta(days=1))

    def due_at(self) -> datetime:
        """Due by the end of the chosen day in the shop's time zone."""
        return timezone.make_aware(datetime.combine(self.cleaned_data["due_date"], time(23, 59)))


class FollowUpDoneForm(forms.Form):
    note = forms.CharField(label=_("Outcome"), max_length=255, required=False)
