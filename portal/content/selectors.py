from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone, translation
from wagtail.coreutils import get_supported_content_language_variant

from loyalty.models import MemberSegment
from membership.models import Member, MemberTag

from .models import OfferPage

# What an offer list shows and links to; nothing else is loaded.
_LISTED_FIELDS = ("id", "title", "summary", "valid_until", "url_path", "path", "depth")
# The most offers weighed for one member (live, in their dates, their tier and tags): plenty
# for a shop's owner-written offers, and a bound on the dashboard's work whatever happens.
_CANDIDATES = 200


def active_content_language() -> str:
    """The content language (Wagtail locale code) matching the member's active language."""
    try:
        return get_supported_content_language_variant(translation.get_language())
    except LookupError:
        return get_supported_content_language_variant(settings.LANGUAGE_CODE)


def _targeted_offers(*, member: Member, now) -> QuerySet[OfferPage]:
    """Live default-language offers in their dates whose tiers and tags include the member
    (no tier or tag ticked: everyone), each with the member's lifecycle stage attached
    (``member_stage``, None before the first segment recompute): the stages are a JSON list,
    matched in Python so the query is the same on PostgreSQL and SQLite."""
    default_code = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    tiered = Q(tiers__isnull=True)
    if member.tier_id:
        tiered |= Q(tiers=member.tier_id)
    members_tags = MemberTag.objects.filter(member=member.pk, tag__is_active=True)
    tagged = ~Exists(OfferPage.tags.through.objects.filter(offerpage_id=OuterRef("pk"))) | Exists(
        OfferPage.tags.through.objects.filter(
            offerpage_id=OuterRef("pk"), tag_id__in=members_tags.values("tag_id")
        )
    )
    stage = MemberSegment.objects.filter(member=member.pk).values("lifecycle_stage")[:1]
    return (
        OfferPage.objects.live()
        .filter(tiered, locale__language_code=default_code, valid_from__lte=now)
        .filter(tagged)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .annotate(member_stage=Subquery(stage))
        .distinct()
    )


def _stage_matches(offer: OfferPage) -> bool:
    return not offer.lifecycle_stages or offer.member_stage in offer.lifecycle_stages


def offers_for_member(*, member: Member, limit: int = 5) -> list[OfferPage]:
    """Live offers for the member's tier, tags and lifecycle stage, the most valuable first
    (then the newest), each in the member's language when that translation is live, else in
    the default language. Targeting, dates and value are the default language's page's (see
    OfferPage); ``offer.deciding_id`` is that page's id, what views and uses are counted on.
    Two queries at most, whatever the count.
    """
    candidates = (
        _targeted_offers(member=member, now=timezone.now())
        .order_by("-value", "-valid_from", "-id")
        .only(*_LISTED_FIELDS, "translation_key", "lifecycle_stages", "value")[:_CANDIDATES]
    )
    offers = [offer for offer in candidates if _stage_matches(offer)][:limit]
    for offer in offers:
        offer.deciding_id = offer.pk
    default_code = get_supported_content_language_variant(settings.LANGUAGE_CODE)
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
        page.deciding_id = offer.pk
        shown.append(page)
    return shown


def offer_for_member(*, member: Member, offer: OfferPage) -> OfferPage | None:
    """The default language's page of ``offer`` (any language's page of it) if it is live,
    in its dates and targets the member; else None."""
    default = offer.default_language_offer()
    if default is None:
        return None
    found = _targeted_offers(member=member, now=timezone.now()).filter(pk=default.pk).first()
    return found if found is not None and _stage_matches(found) else None


def offer_conversion() -> QuerySet[OfferPage]:
    """Every default-language offer with how many members saw it on their dashboard
    (``views``) and used it (``uses``), newest first (the owner's report)."""
    default_code = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    return (
        OfferPage.objects.filter(locale__language_code=default_code)
        .annotate(
            views=Count("stats"),
            uses=Count("stats", filter=Q(stats__used_at__isnull=False)),
        )
        .order_by("-valid_from", "-id")
    )
