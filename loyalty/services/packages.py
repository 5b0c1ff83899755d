"""Prepaid service packages: grant, consume one by one, give back, withdraw.

A single-ledger service: it writes entitlement entries only. Buying a package with stored
value is a flow over two ledgers (loyalty.flows.package_sale).
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.lock_objects import lock_entitlements, lock_member
from loyalty.models import (
    Entitlement,
    EntitlementEntry,
    EntryKind,
    MemberPackage,
    Package,
)
from membership.models import Member, MemberMessage, ServiceCategory
from membership.services.messages import member_message_post

from ._base import entry_provenance, require_key


def _append(
    *,
    entitlement: Entitlement,
    amount: int,
    kind: str,
    key: str,
    reason: str = "",
    source_type: str = "",
    source_id: str = "",
    acting_user=None,
    reverses: EntitlementEntry | None = None,
    now: datetime | None = None,
) -> EntitlementEntry:
    entitlement.remaining += amount
    entry = EntitlementEntry.objects.create(
        entitlement=entitlement,
        amount=amount,
        balance_after=entitlement.remaining,
        **entry_provenance(
            kind=kind,
            key=key,
            reason=reason,
            source_type=source_type,
            source_id=source_id,
            acting_user=acting_user,
            reverses=reverses,
        ),
        created_at=now or timezone.now(),
    )
    entitlement.save(update_fields=["remaining"])
    return entry


def _existing(key: str, kinds: tuple[str, ...]) -> EntitlementEntry | None:
    entry = EntitlementEntry.objects.filter(idempotency_key=key).first()
    if entry is not None and entry.kind not in kinds:
        raise ValidationError(
            _("This request key was already used for a different operation."), code="key_reused"
        )
    return entry


@transaction.atomic
def package_grant(
    *,
    member: Member,
    package: Package,
    idempotency_key: str,
    source_type: str = "",
    source_id: str = "",
    acting_user=None,
    now: datetime | None = None,
) -> MemberPackage:
    """Give the member a package: one entitlement per service, each opened by a grant entry."""
    key = require_key(idempotency_key)
    # The member lock also makes a retry with the same key wait for the first call.
    lock_member(member.pk)
    if existing := MemberPackage.objects.filter(idempotency_key=key).first():
        if existing.member_id != member.pk:
            raise ValidationError(
                _("This request key was already used for a different operation."),
                code="key_reused",
            )
        return existing
    items = list(package.items.select_related("category"))
    if not items:
        raise ValidationError(_("This package has no services in it."), code="empty_package")
    now = now or timezone.now()
    expires_at = (
        now + timezone.timedelta(days=package.validity_days) if package.validity_days else None
    )
    member_package = MemberPackage.objects.create(
        member=member,
        package=package,
        granted_at=now,
        expires_at=expires_at,
        source_type=source_type,
        source_id=str(source_id),
        idempotency_key=key,
        acting_user=acting_user,
    )
    for item in items:
        entitlement = Entitlement.objects.create(
            member_package=member_package,
            member=member,
            category=item.category,
            granted=item.quantity,
            remaining=0,
            expires_at=expires_at,
        )
        _append(
            entitlement=entitlement,
            amount=item.quantity,
            kind=EntryKind.GRANT,
            key=f"{key}:grant:{item.category_id}",
            reason=_("Package %(name)s") % {"name": package.display_name},
            source_type=source_type,
            source_id=source_id,
            acting_user=acting_user,
            now=now,
        )
    member_message_post(
        member_id=member.pk,
        kind=MemberMessage.Kind.PACKAGE_GRANTED,
        data={
            "member_package_id": member_package.pk,
            "name_zh": package.name_zh,
            "name_en": package.name_en,
            "expires_at": expires_at.isoformat() if expires_at else "",
            "source_type": source_type,
            "source_id": str(source_id),
        },
        idempotency_key=f"package:{member_package.pk}",
        created_at=now,
    )
    return member_package


@transaction.atomic
def package_consume(
    *,
    member: Member,
    idempotency_key: str,
    category: ServiceCategory | None = None,
    entitlement: Entitlement | None = None,
    acting_user=None,
    source_type: str = "",
    source_id: str = "",
    now: datetime | None = None,
) -> EntitlementEntry:
    """Use one service from the member's packages (the soonest-expiring one that has it)."""
    key = require_key(idempotency_key)
    if category is None and entitlement is None:
        raise ValidationError(_("Choose the service to use."), code="no_category")
    now = now or timezone.now()
    if entitlement is not None:
        candidates = Entitlement.objects.filter(pk=entitlement.pk)
    else:
        candidates = Entitlement.objects.filter(category=category)
    locked = lock_entitlements(member.pk, candidates)
    if done := _existing(key, (EntryKind.USE,)):
        if done.entitlement_id not in {e.pk for e in locked}:
            raise ValidationError(
                _("This request key was already used for a different operation."),
                code="key_reused",
            )
        return done
    usable = [e for e in locked if e.remaining > 0 and (e.expires_at is None or e.expires_at > now)]
    if not usable:
        raise ValidationError(_("No package has this service left."), code="nothing_left")
    chosen = min(usable, key=lambda e: (e.expires_at is None, e.expires_at or now, e.pk))
    return _append(
        entitlement=chosen,
        amount=-1,
        kind=EntryKind.USE,
        key=key,
        reason=_("Used one from a package"),
        source_type=source_type,
        source_id=source_id,
        acting_user=acting_user,
        now=now,
    )


@transaction.atomic
def package_consume_reverse(
    *, entry: EntitlementEntry, idempotency_key: str, acting_user=None
) -> EntitlementEntry:
    """Give back a service used from a package (e.g. the order was refunded)."""
    key = require_key(idempotency_key)
    member_id = Entitlement.objects.values_list("member_id", flat=True).get(pk=entry.entitlement_id)
    (entitlement,) = lock_entitlements(
        member_id, Entitlement.objects.filter(pk=entry.entitlement_id)
    )
    if done := _existing(key, (EntryKind.REVERSAL,)):
        return done
    if entry.kind != EntryKind.USE:
        raise ValidationError(_("Only a used service can be given back."), code="kind")
    if EntitlementEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(_("This service was already given back."), code="already_reversed")
    if entitlement.remaining + 1 > entitlement.granted:
        raise ValidationError(_("This package was withdrawn."), code="withdrawn")
    return _append(
        entitlement=entitlement,
        amount=1,
        kind=EntryKind.REVERSAL,
        key=key,
        reason=_("Service given back"),
        source_type=entry.source_type,
        source_id=entry.source_id,
        acting_user=acting_user,
        reverses=entry,
    )


@transaction.atomic
def package_revoke(
    *, member_package: MemberPackage, idempotency_key: str, acting_user=None
) -> list[EntitlementEntry]:
    """Withdraw what is left of a package (its top-up or purchase was refunded)."""
    key = require_key(idempotency_key)
    locked = lock_entitlements(
        member_package.member_id, Entitlement.objects.filter(member_package=member_package)
    )
    entries = []
    for entitlement in locked:
        entry_key = f"{key}:{entitlement.pk}"
        if done := _existing(entry_key, (EntryKind.ADJUST,)):
            entries.append(done)
            continue
        if entitlement.remaining > 0:
            entries.append(
                _append(
                    entitlement=entitlement,
                    amount=-entitlement.remaining,
                    kind=EntryKind.ADJUST,
                    key=entry_key,
                    reason=_("Package withdrawn"),
                    acting_user=acting_user,
                )
            )
    return entries


__all__ = [
    "package_grant",
    "package_consume",
    "package_consume_reverse",
    "package_revoke",
]
