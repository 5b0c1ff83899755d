"""The frame around every member page, as tags: the tab bar and the language switcher.

Their markup is the same for every visitor in a language, so it is rendered once per process
for each language (and tab) and kept; only the per-request parts (the CSRF token, the page to
come back to) are added at each request. As template includes they cost a few tenths of a
millisecond each on every page.
"""

from functools import lru_cache

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, get_language_info

register = template.Library()


@lru_cache(maxsize=64)
def _tabbar(tab: str, language: str, urlconf: str | None, prefix: str) -> SafeString:
    return mark_safe(render_to_string("components/_tabbar_links.html", {"tab": tab}))


@register.simple_tag
def tabbar(tab: str) -> SafeString:
    """components/_tabbar_links.html for this tab, in the active language."""
    return _tabbar(str(tab or ""), get_language(), get_urlconf(), get_script_prefix())


@lru_cache(maxsize=16)
def _switcher(language: str, urlconf: str | None, prefix: str) -> tuple[SafeString, SafeString]:
    """The form's opening tag, and the buttons (each language named in itself)."""
    head = format_html(
        '<form action="{}" method="post" class="lang-switch" data-testid="language-switcher">',
        reverse("set_language"),
    )
    buttons = format_html_join(
        "\n",
        '<button type="submit" name="language" value="{0}" lang="{0}" class="lang{1}"'
        ' data-testid="lang-{0}"{2}>{3}</button>',
        (
            (
                code,
                " current" if code == language else "",
                mark_safe(' aria-current="true"') if code == language else "",
                get_language_info(code)["name_local"],
            )
            for code, _name in settings.LANGUAGES
        ),
    )
    return head, buttons


@register.simple_tag(takes_context=True)
def language_switcher(context, next_url: str = "") -> SafeString:
    """A form posting to set_language with a button per language; ``next_url``: where to land
    after switching (default: this page; error pages send you home)."""
    head, buttons = _switcher(get_language(), get_urlconf(), get_script_prefix())
    request = context.get("request")
    token = context.get("csrf_token")
    csrf = (
        format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
        if token and str(token) != "NOTPROVIDED"
        else ""
    )
    back = next_url or (request.get_full_path() if request is not None else "")
    return format_html(
        '{}\n{}\n<input name="next" type="hidden" value="{}">\n{}\n</form>',
        head,
        csrf,
        back,
        buttons,
    )
