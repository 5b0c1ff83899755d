"""The visitor's IP address for the app's own limits, read exactly as allauth reads it.

Behind a reverse proxy every request comes from the proxy's address; allauth takes the
client from ``X-Forwarded-For`` when ``ALLAUTH_TRUSTED_PROXY_COUNT`` (env
``TRUSTED_PROXY_COUNT``) says how many proxies are ours. One helper, so allauth's limits
and the app's never disagree about who is asking.
"""

from allauth.account.adapter import get_adapter
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address, or "" when it cannot be told (no address, or a forwarded
    chain shorter than the trusted proxy count)."""
    try:
        return get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        return ""
