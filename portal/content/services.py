"""Writing pages in code (the demo seed; the owner writes them in /cms/). A page is written once
per language: the default language's page first, then a Wagtail translation of it per other
language, the same rows the back office's "Translate" makes."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.coreutils import get_content_languages, get_supported_content_language_variant
from wagtail.models import Locale

from loyalty.models import LifecycleStage
from membership.member_pages import member_pages_changed
from membership.models import Member, Tag, Tier

from .models import HomePage, OfferPage, OfferStat


@dataclass(frozen=True)
class OfferText:
    title: str
    summary: str
    body: str = ""  # rich text (HTML); leave empty when the summary says it all


def _default_language() -> str:
    return get_supported_content_language_variant(settings.LANGUAGE_CODE)


def _check_languages(languages: Iterable[str]) -> None:
    unknown = sorted(set(languages) - set(get_content_languages()))
    if unknown:
        raise ValidationError(
            _("Unknown content language: %(codes)s") % {"codes": ", ".join(unknown)}
        )


@transaction.atomic
def home_page_translate(*, home: HomePage, language: str, title: str, intro: str = "") -> HomePage:
    """Publish the home page in `language` (created as its translation the first time)."""
    _check_languages([language])
    if language == home.locale.language_code:
        raise ValidationError(_("This is the page's own language, not a translation."))
    locale = Locale.objects.get(language_code=language)
    page = home.get_translation_or_none(locale) or home.copy_for_translation(locale)
    page = page.specific
    page.title, page.intro = title, intro
    page.save_revision().publish()
    return page


@transaction.atomic
def offer_page_create(
    *,
    home: HomePage,
    slug: str,
    texts: Mapping[str, OfferText],
    valid_from: datetime,
    valid_until: datetime | None = None,
    tiers: Iterable[Tier] = (),
    tags: Iterable[Tag] = (),
    lifecycle_stages: Iterable[str] = (),
    value: Decimal = Decimal("0"),
) -> OfferPage:
    """Publish an offer under the default language's home page, with a translation for every
    other language in `texts` (language code -> text); a language left out falls back to the
    default language's text for its members. Translate the home page first."""
    default = _default_language()
    _check_languages(texts)
    if default not in texts:
        raise ValidationError(_("An offer needs its text in the default language."))
    if home.locale.language_code != default:
        raise ValidationError(_("Offers are created under the default language's home page."))
    stages = list(dict.fromkeys(lifecycle_stages))
    unknown = sorted(set(stages) - set(LifecycleStage.values))
    if unknown:
        raise ValidationError(
            _("Unknown lifecycle stage: %(stages)s") % {"stages": ", ".join(unknown)}
        )
    if value < 0:
        raise ValidationError(_("An offer's value cannot be negative."))
    text = texts[default]
    offer = OfferPage(
        slug=slug,
        title=text.title,
        summary=text.summary,
        body=text.body,
        valid_from=valid_from,
        valid_until=valid_until,
        lifecycle_stages=stages,
        value=value,
    )
    home.add_child(instance=offer)
    offer.tiers.set(list(tiers))
    offer.tags.set(list(tags))
    offer.save_revision().publish()
    for language, text in texts.items():
        if language == default:
            continue
        locale = Locale.objects.get(language_code=language)
        if not home.has_translation(locale):
            raise ValidationError(_("Translate the home page into this language first."))
        translation = offer.copy_for_translation(locale).specific
        translation.title, translation.summary, translation.body = (
            text.title,
            text.summary,
            text.body,
        )
        translation.save_revision().publish()
    return offer


def offer_views_record(
    *, member: Member, offer_ids: Iterable[int], now: datetime | None = None
) -> None:
    """The member saw these offers (default-language page ids) on their dashboard: one
    statement for all of them, keeping the first time each was seen."""
    now = now or timezone.now()
    rows = [
        OfferStat(offer_id=offer_id, member_id=member.pk, first_viewed_at=now)
        for offer_id in dict.fromkeys(offer_ids)
    ]
    if rows:
        OfferStat.objects.bulk_create(rows, ignore_conflicts=True)


@transaction.atomic
def offer_use_record(*, member: Member, offer: OfferPage, now: datetime | None = None) -> None:
    """The member followed the offer's call to action (offer = the default-language page the
    selector checked). Counted once; an offer used without being seen on the dashboard (a
    shared link) counts as seen then."""
    now = now or timezone.now()
    OfferStat.objects.bulk_create(
        [OfferStat(offer_id=offer.pk, member_id=member.pk, first_viewed_at=now)],
        ignore_conflicts=True,
    )
    OfferStat.objects.filter(offer=offer, member=member, used_at__isnull=True).update(used_at=now)
    member_pages_changed(member.pk)
