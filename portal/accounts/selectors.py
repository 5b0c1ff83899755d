"""What the member logs in with, for display (changes go through allauth's verified flows)."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress

from membership.models import User


@dataclass(frozen=True)
class LoginIdentities:
    phone: str
    phone_verified: bool
    email: str
    email_verified: bool
    pending_email: str  # a new address waiting for its verification link
    has_password: bool


def login_identities(*, user: User) -> LoginIdentities:
    addresses = list(EmailAddress.objects.filter(user=user).order_by("-primary", "pk"))
    primary = next((a for a in addresses if a.primary), None)
    pending = next((a for a in addresses if not a.primary and not a.verified), None)
    return LoginIdentities(
        phone=user.phone.as_international if user.phone else "",
        phone_verified=bool(user.phone and user.phone_verified),
        email=primary.email if primary else user.email,
        email_verified=bool(primary and primary.verified),
        pending_email=pending.email if pending else "",
        has_password=user.has_usable_password(),
    )
