"""Selling a package: paid from stored value (a wallet payment) or at the counter, then granted."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from loyalty.lock_objects import lock_member
from loyalty.models import MemberPackage, Package
from loyalty.services._base import require_key
from loyalty.services.packages import package_grant
from loyalty.services.wallet import WalletPaymentResult, wallet_pay
from membership.models import Member


@dataclass(frozen=True)
class PackagePurchaseResult:
    member_package: MemberPackage
    payment: WalletPaymentResult | None  # None when paid at the counter or free


@transaction.atomic
def package_purchase(
    *,
    member: Member,
    package: Package,
    idempotency_key: str,
    pay_from_wallet: bool = True,
    acting_user=None,
) -> PackagePurchaseResult:
    """Buy a package: paid from stored value (with the tier's discount) or at the counter."""
    key = require_key(idempotency_key)
    if not package.is_active:
        raise ValidationError(_("This package is no longer on sale."), code="inactive")
    if not pay_from_wallet and acting_user is None:
        raise ValidationError(
            _("Only staff can record a package paid at the counter."), code="staff"
        )
    lock_member(member.pk)
    payment = None
    if pay_from_wallet and package.price > 0:
        payment = wallet_pay(
            member=member,
            amount=package.price,
            idempotency_key=f"{key}:pay",
            source_type="package",
            source_id=str(package.pk),
            acting_user=acting_user,
            reason=_("Package %(name)s") % {"name": package.display_name},
        )
    member_package = package_grant(
        member=member,
        package=package,
        idempotency_key=key,
        source_type="package_purchase",
        source_id=str(package.pk),
        acting_user=acting_user,
    )
    return PackagePurchaseResult(member_package=member_package, payment=payment)


__all__ = ["PackagePurchaseResult", "package_purchase"]
