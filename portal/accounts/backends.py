"""Authentication backends whose session user arrives with its role flags (one query, not two)."""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend

from membership.selectors.roles import session_user


class RoleFlagsUserMixin:
    def get_user(self, user_id):
        try:
            user = session_user(user_id=int(user_id))
        except (TypeError, ValueError):  # a session from elsewhere with a foreign id
            return None
        return user if user is not None and self.user_can_authenticate(user) else None


class PortalModelBackend(RoleFlagsUserMixin, ModelBackend):
    """Username and password (Django and Wagtail admin logins)."""


class PortalAuthenticationBackend(RoleFlagsUserMixin, AuthenticationBackend):
    """allauth's phone, email and code logins."""
