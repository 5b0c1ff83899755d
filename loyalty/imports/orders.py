"""Past orders from the old till: member phone, the old till's order number, date and time,
store (code or name), total, and maybe a service category.

They are kept for the books (tier spend, repurchase, reports), already settled by the old
till: no points, no rewards, no stored-value movement. A row matches an order already
imported by the old till's number, so a second run of the same file adds nothing."""

import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from membership.models import Order, ServiceCategory, Store, User

from .base import (
    PlanResource,
    RowPlan,
    check_length,
    key_field,
    lookup_table,
    parse_amount,
    parse_datetime,
    parse_phone,
)

REQUIRED = ("phone", "order_number", "date", "store", "total")
COLUMNS = (*REQUIRED, "category")
# Our order numbers for imported orders: the old till's number after this prefix.
IMPORTED_PREFIX = "IMP-"
MAX_OLD_NUMBER = 32 - len(IMPORTED_PREFIX)
# What our order numbers (and their URLs) allow.
ORDER_NUMBER = re.compile(r"[A-Za-z0-9_-]+")


def imported_order_number(old_number: str) -> str:
    return IMPORTED_PREFIX + old_number


class OrderResource(PlanResource):
    order_number = key_field("order_number")

    class Meta(PlanResource.Meta):
        import_id_fields = ["order_number"]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stores = lookup_table(Store.objects.all(), "code", "name")
        self.categories = lookup_table(ServiceCategory.objects.all(), "code", "name_zh", "name_en")
        self.now = timezone.now()

    def before_import(self, dataset, **kwargs):
        """Read this batch's members and already-imported orders in two queries."""
        phones = {p for p in (parse_phone(str(v or "")) for v in dataset["phone"]) if p}
        self.members = {
            phone.as_e164: member_id
            for phone, member_id in User.objects.filter(
                phone__in=phones, member__isnull=False
            ).values_list("phone", "member__id")
        }
        numbers = [imported_order_number(str(n or "").strip()) for n in dataset["order_number"]]
        self.imported = set(
            Order.objects.filter(number__in=numbers).values_list("number", flat=True)
        )

    def existing_for(self, row):
        number = imported_order_number(str(row.get("order_number") or "").strip())
        return number if number in self.imported else None

    def check_row(self, plan: RowPlan, row: dict[str, str]) -> None:
        errors: dict[str, list[str]] = {}

        def check(column, parse):
            try:
                return parse()
            except ValidationError as e:
                errors.setdefault(column, []).extend(e.messages)
                return None

        old_number = row.get("order_number", "").strip()
        if not old_number:
            errors["order_number"] = [_("The order has no number.")]
        elif len(old_number) > MAX_OLD_NUMBER:
            errors["order_number"] = [
                _("The order number is longer than %(max)d characters.") % {"max": MAX_OLD_NUMBER}
            ]
        elif not ORDER_NUMBER.fullmatch(old_number):
            errors["order_number"] = [
                _("The order number %(number)s may have only letters, digits, - and _.")
                % {"number": old_number}
            ]
        elif len(self.duplicates.get(old_number, ())) > 1:
            errors["order_number"] = [
                _("This order number is on several rows of the file (rows %(rows)s).")
                % {"rows": ", ".join(str(n) for n in self.duplicates[old_number])}
            ]
        raw_phone = row.get("phone", "").strip()
        phone = parse_phone(raw_phone)
        member_id = self.members.get(phone) if phone else None
        if phone is None:
            errors["phone"] = [
                _("%(phone)s is not a valid mobile number.") % {"phone": raw_phone or "—"}
            ]
        elif member_id is None:
            errors["phone"] = [
                _("Unknown member %(phone)s: import the customers first.") % {"phone": raw_phone}
            ]
        store = self.stores.get(row.get("store", "").strip().lower())
        if store is None:
            errors["store"] = [
                _("Unknown store %(store)s: use a store's code or name.")
                % {"store": row.get("store", "").strip() or "—"}
            ]
        when = check("date", lambda: parse_datetime(row.get("date", "")))
        if when is not None and when > self.now:
            errors.setdefault("date", []).append(_("The order's date is in the future."))
        total = check("total", lambda: parse_amount(row.get("total", ""), label=_("The total")))
        category = None
        category_text = check(
            "category",
            lambda: check_length(
                row.get("category", "").strip(), label=_("The category"), maximum=80
            ),
        )
        if category_text:
            category = self.categories.get(category_text.lower())
            if category is None:
                errors.setdefault("category", []).append(
                    _("Unknown service category %(name)s.") % {"name": category_text}
                )
        if errors:
            raise ValidationError(errors)
        plan.values = {
            "number": imported_order_number(old_number),
            "member_id": member_id,
            "store": store,
            "created_at": when,
            "total": total,
            "category": category,
        }
        if plan.existing is not None:
            plan.note = _("Already imported.")
        else:
            plan.changes = [_("new order")]
