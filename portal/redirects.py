"""Where a form may send the user back to: only a path on this site, checked before any write."""

from django.utils.http import url_has_allowed_host_and_scheme


def local_path(request, value: str) -> str | None:
    """``value`` if it is a path on this site ("/counter/..."), else None.

    Django's safe-URL check accepts any relative reference ("x", "-1"), and redirect() then
    tries to reverse it as a view name; so the value must also start with a single slash.
    Control characters and surrounding blanks are refused too: a page never sends them.
    """
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return None
    if value != value.strip() or any(ord(char) < 32 or ord(char) == 127 for char in value):
        return None
    if not url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return value
