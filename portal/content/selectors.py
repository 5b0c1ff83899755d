from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from wagtail.coreutils import get_supported_content_language_variant

from membership.models import Member

from .models import OfferPage

# What an offer list shows and links to; nothing else is loaded.
_LISTED_FIELDS = ("id", "title", "summary", "valid_until", "url_path", "path", "depth")


def active_content_language() -> str:
    """The content language (Wagtail locale code) matching the member's active language."""
    try:
        return get_supported_content_language_variant(translation.get_language())
    except LookupError:
        return get_supported_content_language_variant(settings.LANGUAGE_CODE)


def offers_for_member(*, member: Member, limit: int = 5) -> list[OfferPage]:
    """Live offers for the member's tier (or for everyone), newest first, each in the member's
    language when that translation is live, else in the default language. Targeting and dates
    are the default language's page's (see OfferPage). Two queries at most, whatever the count.
    """
    now = timezone.now()
    default_code = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    targeted = Q(tiers__isnull=True)
    if member.tier_id:
        targeted |= Q(tiers=member.tier_id)
    offers = list(
        OfferPage.objects.live()
        .filter(targeted, locale__language_code=default_code, valid_from__lte=now)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .distinct()
        .order_by("-valid_from", "-id")
        .only(*_LISTED_FIELDS, "translation_key")[:limit]
    )
    language = active_content_language()
    if language == default_code or not offers:
        return offers
    translated = {
        page.translation_key: page
        for page in OfferPage.objects.live()
        .filter(
            translation_key__in=[offer.translation_key for offer in offers],
            locale__language_code=language,
        )
        .only(*_LISTED_FIELDS, "translation_key")
    }
    shown = []
    for offer in offers:
        page = translated.get(offer.translation_key, offer)
        page.valid_until = offer.valid_until  # the deciding page's date, even if edited since
        shown.append(page)
    return shown
