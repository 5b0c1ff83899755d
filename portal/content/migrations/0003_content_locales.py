"""Wagtail i18n on an existing site: a Locale per content language, and every page whose
locale is not one of them (e.g. created under an older LANGUAGE_CODE) moved to the default."""

from django.conf import settings
from django.db import migrations

from wagtail.coreutils import get_content_languages, get_supported_content_language_variant


def create_locales(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    Page = apps.get_model("wagtailcore", "Page")
    codes = list(get_content_languages())
    for code in codes:
        Locale.objects.get_or_create(language_code=code)
    default = Locale.objects.get(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    Page.objects.exclude(locale__language_code__in=codes).update(locale=default)


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0002_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_locales, migrations.RunPython.noop)]
