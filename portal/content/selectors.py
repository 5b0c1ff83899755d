from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone, translation
from wagtail.coreutils import get_supported_content_language_variant

from loyalty.models import MemberSegment
from membership.models import Member, MemberTag

from .models import OFFERS_CACHE_KEY, OFFERS_CACHE_SECONDS, OfferPage

# What an offer list shows and links to; nothing else is loaded.
_LISTED_FIELDS = ("id", "title", "summary", "valid_until", "url_path", "path", "depth")
_TARGETING_FIELDS = ("translation_key", "lifecycle_stages", "valid_from", "value")
# The most live offers the dashboard weighs for a member (the most valuable first): plenty for
# a shop's owner-written offers, and a bound on the cache and the dashboard's work.
_CACHED_OFFERS = 300
_UNREAD = object()


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


@dataclass(frozen=True)
class _LiveOffer:
    """A live default-language offer as the cache keeps it: the page (listed fields only),
    whom it targets, and its live translations by language."""

    page: OfferPage
    tier_ids: frozenset[int]
    tag_ids: frozenset[int]
    translations: dict[str, OfferPage]

    def in_dates(self, now) -> bool:
        until = self.page.valid_until
        return self.page.valid_from <= now and (until is None or until > now)


def _live_offers_read(now) -> list[_LiveOffer]:
    default_code = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    pages = list(
        OfferPage.objects.live()
        .filter(locale__language_code=default_code)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))  # ended: never again
        .order_by("-value", "-valid_from", "-id")
        .only(*_LISTED_FIELDS, *_TARGETING_FIELDS)[:_CACHED_OFFERS]
    )
    ids = [page.pk for page in pages]
    tiers, tags, translations = defaultdict(set), defaultdict(set), defaultdict(dict)
    for offer_id, tier_id in OfferPage.tiers.through.objects.filter(
        offerpage_id__in=ids
    ).values_list("offerpage_id", "tier_id"):
        tiers[offer_id].add(tier_id)
    for offer_id, tag_id in OfferPage.tags.through.objects.filter(offerpage_id__in=ids).values_list(
        "offerpage_id", "tag_id"
    ):
        tags[offer_id].add(tag_id)
    for page in (
        OfferPage.objects.live()
        .filter(translation_key__in=[page.translation_key for page in pages])
        .exclude(locale__language_code=default_code)
        .annotate(language=F("locale__language_code"))
        .only(*_LISTED_FIELDS, "translation_key")
    ):
        translations[page.translation_key][page.language] = page
    return [
        _LiveOffer(
            page=page,
            tier_ids=frozenset(tiers[page.pk]),
            tag_ids=frozenset(tags[page.pk]),
            translations=translations[page.translation_key],
        )
        for page in pages
    ]


def _live_offers(now) -> list[_LiveOffer]:
    """Every live default-language offer not yet ended, the most valuable first (then the
    newest): from the cache (see OFFERS_CACHE_KEY), else four queries."""
    offers = cache.get(OFFERS_CACHE_KEY)
    if offers is None:
        offers = _live_offers_read(now)
        cache.set(OFFERS_CACHE_KEY, offers, OFFERS_CACHE_SECONDS)
    return offers


def offers_for_member(*, member: Member, limit: int = 5) -> list[OfferPage]:
    """Live offers for the member's tier, tags and lifecycle stage, in their dates, the most
    valuable first (then the newest), each in the member's language when that translation is
    live, else in the default language. Targeting, dates and value are the default language's
    page's (see OfferPage); ``offer.deciding_id`` is that page's id, what views and uses are
    counted on. The shop's offers come from the cache; the member's tags and stage cost a query
    each, only when an offer in its dates targets them.
    """
    now = timezone.now()
    language = active_content_language()
    tag_ids, stage = None, _UNREAD
    shown = []
    for offer in _live_offers(now):
        if not offer.in_dates(now):
            continue
        if offer.tier_ids and member.tier_id not in offer.tier_ids:
            continue
        if offer.tag_ids:
            if tag_ids is None:
                tag_ids = set(
                    MemberTag.objects.filter(member=member.pk, tag__is_active=True).values_list(
                        "tag_id", flat=True
                    )
                )
            if not offer.tag_ids & tag_ids:
                continue
        if offer.page.lifecycle_stages:
            if stage is _UNREAD:
                stage = _member_stage(member)
            if stage not in offer.page.lifecycle_stages:
                continue
        page = offer.translations.get(language, offer.page)
        page.valid_until = offer.page.valid_until  # the deciding page's date, even if edited
        page.deciding_id = offer.page.pk
        shown.append(page)
        if len(shown) == limit:
            break
    return shown


def _member_stage(member: Member) -> str | None:
    """The member's lifecycle stage as of the last recompute (None before the first)."""
    return (
        MemberSegment.objects.filter(member=member.pk)
        .values_list("lifecycle_stage", flat=True)
        .first()
    )


def offer_for_member(*, member: Member, offer: OfferPage) -> OfferPage | None:
    """The default language's page of ``offer`` (any language's page of it) if it is live,
    in its dates and targets the member; else None."""
    default = offer.default_language_offer()
    if default is None:
        return None
    found = _targeted_offers(member=member, now=timezone.now()).filter(pk=default.pk).first()
    return found if found is not None and _stage_matches(found) else None


def offer_conversion(start=None, end=None) -> QuerySet[OfferPage]:
    """Every default-language offer with how many members saw it on their dashboard
    (``views``) and used it (``uses``), newest first (the owner's report). With ``start``
    and ``end``, only first views and uses in [start, end) count."""
    default_code = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    seen, used = Q(), Q(stats__used_at__isnull=False)
    if start is not None:
        seen &= Q(stats__first_viewed_at__gte=start, stats__first_viewed_at__lt=end)
        used &= Q(stats__used_at__gte=start, stats__used_at__lt=end)
    return (
        OfferPage.objects.filter(locale__language_code=default_code)
        .annotate(views=Count("stats", filter=seen), uses=Count("stats", filter=used))
        .order_by("-valid_from", "-id")
    )
