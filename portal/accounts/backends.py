"""Authentication backends whose session user arrives with its role flags (one query, not two)."""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend

from membership.selectors.roles import users_with_role_flags
from membership.selectors.rows import one_or_none


class RoleFlagsUserMixin:
    def get_user(self, user_id):
        user = one_or_none(users_with_role_flags().filter(pk=user_id))
        return user if user is not None and self.user_can_authenticate(user) else None


class PortalModelBackend(RoleFlagsUserMixin, ModelBackend):
    """Username and password (Django and Wagtail admin logins)."""


class PortalAuthenticationBackend(RoleFlagsUserMixin, AuthenticationBackend):
    """allauth's phone, email and code logins."""
