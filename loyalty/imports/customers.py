"""Customers from the old till: phone, name, birthday, tier, stored-value balance, points
and packages ("CODE:uses left;CODE2:uses left").

A row matches an existing member by phone. A new phone makes a member; a known one only
fills what the member lacks (a name, a birthday) and carries balances and packages over
once per member, so a second run of the same file changes nothing."""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.models import EntryKind, MemberPackage, Package, PointsEntry, WalletEntry
from membership.models import Tier, User

from .base import (
    PlanResource,
    RowPlan,
    check_length,
    key_field,
    lookup_table,
    parse_amount,
    parse_count,
    parse_date,
    parse_phone,
)

REQUIRED = ("phone",)
COLUMNS = ("phone", "name", "birthday", "tier", "balance", "points", "packages")


def wallet_opening_key(member_id: int) -> str:
    return f"import-opening:wallet:{member_id}"


def points_opening_key(member_id: int) -> str:
    return f"import-opening:points:{member_id}"


def package_import_key(member_id: int, package_code: str) -> str:
    return f"import-package:{member_id}:{package_code}"


class CustomerResource(PlanResource):
    phone = key_field("phone")

    class Meta(PlanResource.Meta):
        import_id_fields = ["phone"]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.tiers = lookup_table(Tier.objects.all(), "code", "name_zh", "name_en")
        self.packages = lookup_table(
            Package.objects.prefetch_related("items"), "code", "name_zh", "name_en"
        )
        self.today = timezone.localdate()

    def before_import(self, dataset, **kwargs):
        """Read the members this batch's phones match, and what they already carried over,
        in a fixed number of queries."""
        phones = {p for p in (parse_phone(str(v or "")) for v in dataset["phone"]) if p}
        users = User.objects.filter(phone__in=phones).select_related("member")
        self.members = {u.phone.as_e164: getattr(u, "member", None) or u for u in users}
        ids = [m.pk for m in self.members.values() if hasattr(m, "user_id")]
        self.opened_wallets = set(
            WalletEntry.objects.filter(
                idempotency_key__in=[wallet_opening_key(i) for i in ids], kind=EntryKind.OPENING
            ).values_list("idempotency_key", flat=True)
        )
        self.opened_points = set(
            PointsEntry.objects.filter(
                idempotency_key__in=[points_opening_key(i) for i in ids], kind=EntryKind.OPENING
            ).values_list("idempotency_key", flat=True)
        )
        self.imported_packages = set(
            MemberPackage.objects.filter(
                member_id__in=ids, idempotency_key__startswith="import-package:"
            ).values_list("idempotency_key", flat=True)
        )

    def existing_for(self, row):
        phone = parse_phone(str(row.get("phone") or ""))
        return self.members.get(phone) if phone else None

    def check_row(self, plan: RowPlan, row: dict[str, str]) -> None:
        errors: dict[str, list[str]] = {}

        def check(column, parse):
            try:
                return parse()
            except ValidationError as e:
                errors.setdefault(column, []).extend(e.messages)
                return None

        raw_phone = row.get("phone", "").strip()
        phone = parse_phone(raw_phone)
        if phone is None:
            errors["phone"] = [
                _("%(phone)s is not a valid mobile number.") % {"phone": raw_phone or "—"}
            ]
        elif len(self.duplicates.get(phone, ())) > 1:
            errors["phone"] = [
                _("This phone number is on several rows of the file (rows %(rows)s).")
                % {"rows": ", ".join(str(n) for n in self.duplicates[phone])}
            ]
        if plan.existing is not None and not hasattr(plan.existing, "user_id"):
            errors.setdefault("phone", []).append(
                _("This phone number belongs to a login that is not a member (staff?).")
            )
        name = check(
            "name",
            lambda: check_length(row.get("name", "").strip(), label=_("The name"), maximum=80),
        )
        birthday = check("birthday", lambda: self._birthday(row.get("birthday", "")))
        tier = check("tier", lambda: self._tier(row.get("tier", "")))
        balance = check(
            "balance", lambda: parse_amount(row.get("balance", ""), label=_("The balance"))
        )
        points = check("points", lambda: parse_count(row.get("points", ""), label=_("Points")))
        packages = check("packages", lambda: self._packages(row.get("packages", "")))
        if errors:
            raise ValidationError(errors)
        plan.values = {
            "phone": phone,
            "name": name,
            "birthday": birthday,
            "tier": tier,
            "balance": balance,
            "points": points,
            "packages": packages,
        }
        member = plan.existing
        if member is None:
            plan.changes = [_("new member")]
            return
        plan.pk = member.pk
        if name and not member.name:
            plan.changes.append(_("name"))
        if birthday and not member.birthday:
            plan.changes.append(_("birthday"))
        if balance and wallet_opening_key(member.pk) not in self.opened_wallets:
            plan.changes.append(_("opening balance"))
        if points and points_opening_key(member.pk) not in self.opened_points:
            plan.changes.append(_("opening points"))
        for package, _uses in packages:
            if package_import_key(member.pk, package.code) not in self.imported_packages:
                plan.changes.append(_("package %(code)s") % {"code": package.code})
        if not plan.changes:
            plan.note = _("Already imported: nothing new for this member.")

    def _birthday(self, text: str) -> date | None:
        day = parse_date(text)
        if day and not (date(1900, 1, 1) <= day <= self.today):
            raise ValidationError(_("The birthday %(day)s is not possible.") % {"day": day})
        return day

    def _tier(self, text: str) -> Tier | None:
        text = text.strip()
        if not text:
            return None
        tier = self.tiers.get(text.lower())
        if tier is None:
            raise ValidationError(
                _("Unknown tier %(tier)s: use a tier's code or name.") % {"tier": text}
            )
        return tier

    def _packages(self, text: str) -> list[tuple[Package, int]]:
        """ "CODE:uses left;..." → [(package, uses left)]."""
        result = []
        for part in (p.strip() for p in text.replace("；", ";").split(";")):
            if not part:
                continue
            code, _sep, uses_text = part.replace("：", ":").partition(":")
            package = self.packages.get(code.strip().lower())
            if package is None:
                raise ValidationError(_("Unknown package %(code)s.") % {"code": code.strip()})
            items = list(package.items.all())
            full = sum(item.quantity for item in items)
            uses = parse_count(uses_text, label=_("Uses left")) if uses_text.strip() else full
            if uses < 1 or uses > full:
                raise ValidationError(
                    _("Package %(code)s: uses left must be between 1 and %(full)d.")
                    % {"code": package.code, "full": full}
                )
            if len(items) > 1 and uses != full:
                raise ValidationError(
                    _(
                        "Package %(code)s has several services: a partly used one cannot be "
                        "imported; give it at the counter."
                    )
                    % {"code": package.code}
                )
            if any(p.pk == package.pk for p, _u in result):
                raise ValidationError(
                    _("Package %(code)s is named twice.") % {"code": package.code}
                )
            result.append((package, uses))
        return result
