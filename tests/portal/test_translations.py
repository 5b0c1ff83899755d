"""Every string has a Simplified Chinese translation, and the compiled catalog matches it."""

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import override_settings
from django.utils import translation

CATALOG = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def _as_tuple(value):
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _entries(catalog):
    # Keyed by context too: "Name" (a person's, 姓名) and "Name" in a context (a thing's, 名称).
    return {(_text(m.context), *_as_tuple(m.id)): _as_tuple(m.string) for m in catalog if m.id}


def _text(value):
    return value.decode() if isinstance(value, bytes) else value  # read_mo gives bytes


def test_every_entry_is_translated_and_none_is_fuzzy():
    with open(CATALOG / "django.po", "rb") as f:
        catalog = read_po(f)
    untranslated = [
        m.id
        for m in catalog
        if m.id and (m.fuzzy or not (any(m.string) if isinstance(m.string, tuple) else m.string))
    ]
    assert len(catalog) > 500
    assert untranslated == []


def test_compiled_catalog_matches_the_source():
    with open(CATALOG / "django.po", "rb") as f:
        source = _entries(read_po(f))
    with open(CATALOG / "django.mo", "rb") as f:
        compiled = _entries(read_mo(f))
    assert compiled == source, "run: manage.py compilemessages -l zh_Hans"


@override_settings(LANGUAGE_CODE="zh-hans")
def test_strings_render_in_chinese_and_english():
    with translation.override("zh-hans"):
        assert translation.gettext("Stored value") == "储值"
    with translation.override("en"):
        assert translation.gettext("Stored value") == "Stored value"
