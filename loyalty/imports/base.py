"""What both import resources share: a row becomes a plan (what the row means: checked
values, the existing record it matches, what would change), checked in the preview and
applied by the confirmed run through the services.

django-import-export drives the rows (new / update / skip / invalid, row errors, dry run);
the plan replaces a model instance because a customer row writes through several services
(user, member, two ledgers, packages) rather than saving one model."""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources
from import_export.results import Error, RowResult
from phonenumber_field.phonenumber import PhoneNumber, to_python

from .reading import MAX_CELL_CHARS

logger = logging.getLogger(__name__)

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%d/%m/%Y")
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
)


@dataclass
class RowPlan:
    """One row of the file: its checked values, the record it matches, and what it changes."""

    values: dict = field(default_factory=dict)
    existing: object = None
    changes: list[str] = field(default_factory=list)
    # Why an existing record's row changes nothing (shown in the preview).
    note: str = ""
    pk: int | None = None  # for django-import-export's row result


class NoLoader:
    """The resource matches rows to records itself (in batches, see before_import)."""

    def __init__(self, resource, dataset=None):
        pass


@lru_cache(maxsize=100_000)  # a row's phone is read several times (duplicates, match, check)
def parse_phone(text: str) -> str | None:
    """The number in E.164 as members' numbers are kept, or None if it is not valid."""
    number = to_python((text or "").strip()[:40])
    if isinstance(number, PhoneNumber) and number.is_valid():
        return number.as_e164
    return None


def parse_amount(text: str, *, label: str) -> Decimal:
    """A money amount ≥ 0 with at most two decimals ("" is 0)."""
    text = (text or "").replace(",", "").replace("¥", "").replace("￥", "").strip()
    if not text:
        return Decimal("0.00")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("%(label)s is not a number.") % {"label": label}) from None
    if not amount.is_finite():
        raise ValidationError(_("%(label)s is not a number.") % {"label": label})
    if amount < 0:
        raise ValidationError(_("%(label)s is negative.") % {"label": label})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(_("%(label)s has more than two decimals.") % {"label": label})
    if amount >= Decimal("10000000000"):
        raise ValidationError(_("%(label)s is too large.") % {"label": label})
    return amount.quantize(Decimal("0.01"))


def parse_count(text: str, *, label: str) -> int:
    """A whole number ≥ 0 ("" is 0)."""
    text = (text or "").replace(",", "").strip()
    if not text:
        return 0
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("%(label)s is not a whole number.") % {"label": label}) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValidationError(_("%(label)s is not a whole number.") % {"label": label})
    if number < 0:
        raise ValidationError(_("%(label)s is negative.") % {"label": label})
    if number > 10**12:
        raise ValidationError(_("%(label)s is too large.") % {"label": label})
    return int(number)


def parse_date(text: str) -> date | None:
    text = (text or "").strip().replace("T", " ").split(" ")[0]
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationError(_("%(text)s is not a date (write 2024-03-31).") % {"text": text})


def parse_datetime(text: str) -> datetime:
    """A time in the shop's time zone (a date alone is noon that day)."""
    text = (text or "").strip()
    for fmt in DATETIME_FORMATS:
        try:
            return timezone.make_aware(datetime.strptime(text, fmt))
        except ValueError:
            continue
    day = parse_date(text) if text else None
    if day is None:
        raise ValidationError(_("The order has no date."))
    return timezone.make_aware(datetime(day.year, day.month, day.day, 12))


def lookup_table(objects, *names) -> dict:
    """Objects by each of their names, lower-cased (a tier by its code or either name), as a
    file may name them; the first object wins a name two share."""
    table = {}
    for obj in objects:
        for name in names:
            value = str(getattr(obj, name, "") or "").strip().lower()
            if value:
                table.setdefault(value, obj)
    return table


def check_length(value: str, *, label: str, maximum: int) -> str:
    if len(value) > min(maximum, MAX_CELL_CHARS):
        raise ValidationError(
            _("%(label)s is longer than %(max)d characters.") % {"label": label, "max": maximum}
        )
    return value


class PlanResource(resources.Resource):
    """A resource whose rows become RowPlans; subclasses say how a row is checked and applied."""

    key_column = "phone"

    class Meta:
        instance_loader_class = NoLoader
        skip_diff = True
        report_skipped = True
        clean_model_instances = False

    def __init__(
        self,
        *,
        apply=None,
        apply_new=None,
        duplicates: dict[str, list[int]] | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        # apply(plan) writes a checked row through the services (None: preview only).
        self.apply = apply
        # apply_new(plans) writes the batch's new records together, set-based (None: each
        # new row through apply, as the others).
        self.apply_new = apply_new
        self.duplicates = duplicates or {}
        self.pending: list[RowPlan] = []

    # -- hooks of django-import-export's row pipeline ---------------------------------------

    def init_instance(self, row=None):
        return RowPlan()

    def get_or_init_instance(self, instance_loader, row):
        plan = RowPlan(existing=self.existing_for(row))
        return plan, plan.existing is None

    def import_instance(self, instance, row, **kwargs):
        self.check_row(instance, {k: str(v or "") for k, v in row.items()})

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return (
            not import_validation_errors
            and instance.existing is not None
            and not (instance.changes)
        )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if import_validation_errors:
            raise ValidationError(import_validation_errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        if self.apply is None or kwargs.get("dry_run"):
            return
        if self.apply_new is not None and instance.existing is None:
            self.pending.append(instance)  # written with the batch's other new rows
            return
        instance.pk = self.apply(instance)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        plans, self.pending = self.pending, []
        if not plans:
            return
        try:
            with transaction.atomic():  # savepoint: the fallback below needs a clean batch
                self.apply_new(plans)
            return
        except Exception:
            # A row the database refuses (a phone taken since the check) would refuse them
            # all: write them one by one instead, so only that row is refused.
            logger.exception("Import batch of %d new rows: writing them one by one", len(plans))
        row_results = {id(r.instance): r for r in result.rows}
        for plan in plans:
            try:
                plan.pk = self.apply(plan)
            except Exception as e:
                logger.exception("Import row refused")
                row_result = row_results[id(plan)]
                row_result.import_type = RowResult.IMPORT_TYPE_ERROR
                row_result.errors.append(Error(e))

    # -- what subclasses say ----------------------------------------------------------------

    def existing_for(self, row):
        raise NotImplementedError

    def check_row(self, plan: RowPlan, row: dict[str, str]) -> None:
        """Fill plan.values and plan.changes, or raise ValidationError({column: [why]})."""
        raise NotImplementedError


def key_field(column: str) -> fields.Field:
    return fields.Field(attribute=column, column_name=column)
