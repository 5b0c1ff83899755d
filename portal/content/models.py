"""Wagtail pages and site settings. Kept apart from the app that defines the User model."""

import re
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.http import Http404
from django.http.request import split_domain_port
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.fields import RichTextField
from wagtail.images import get_image_model_string
from wagtail.models import Page, Site
from wagtail.models.sites import (
    MATCH_DEFAULT,
    MATCH_HOSTNAME,
    MATCH_HOSTNAME_DEFAULT,
    MATCH_HOSTNAME_PORT,
)
from wagtail.signals import post_page_move
from wagtail.url_routing import RouteResult

from loyalty.models import LifecycleStage
from membership.member_pages import shop_pages_changed
from membership.models import Tag, Tier
from membership.models.tiers import colour_validator

DEFAULT_PRIMARY_COLOUR = "#0f5c4d"  # the stylesheet's --brand
DEFAULT_ACCENT_COLOUR = "#13806b"  # its --brand-2
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@register_setting(icon="site")
class ShopSettings(BaseSiteSetting):
    brand_name = models.CharField(
        _("brand name"),
        max_length=80,
        default="Membership portal",
        help_text=_("The shop's name at the top of every member page and in the browser tab."),
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Shown next to the name at the top of member pages (at most 40 px high)."),
    )
    support_phone = models.CharField(
        _("phone"),
        max_length=40,
        blank=True,
        help_text=_("The number members call; shown at the foot of member pages."),
    )
    contact_email = models.EmailField(
        _("email"), blank=True, help_text=_("Where members can write; shown with the phone.")
    )
    address = models.CharField(
        _("address"),
        max_length=200,
        blank=True,
        help_text=_("The main shop's address (each store keeps its own for bookings)."),
    )
    opening_hours = models.CharField(
        _("opening hours"),
        max_length=200,
        blank=True,
        help_text=_("As members should read it, e.g. Mon-Sat 8:00-20:00, Sun 9:00-18:00."),
    )
    primary_colour = models.CharField(
        _("main colour"),
        max_length=7,
        default=DEFAULT_PRIMARY_COLOUR,
        validators=[colour_validator],
        help_text=_(
            "The top bar, buttons and links of member pages, as #rrggbb. Pick a dark "
            "colour: the text on it is white."
        ),
    )
    accent_colour = models.CharField(
        _("accent colour"),
        max_length=7,
        default=DEFAULT_ACCENT_COLOUR,
        validators=[colour_validator],
        help_text=_("Highlights on member pages (e.g. confirmed bookings), as #rrggbb."),
    )

    panels = [
        MultiFieldPanel([FieldPanel("brand_name"), FieldPanel("logo")], heading=_("Name and logo")),
        MultiFieldPanel(
            [
                FieldPanel("support_phone"),
                FieldPanel("contact_email"),
                FieldPanel("address"),
                FieldPanel("opening_hours"),
            ],
            heading=_("Contact"),
        ),
        MultiFieldPanel(
            [FieldPanel("primary_colour"), FieldPanel("accent_colour")],
            heading=_("Colours of the member pages"),
        ),
    ]

    class Meta:
        verbose_name = _("shop settings")

    # Written into the page's <style>: the validators keep anything else out of the table,
    # and a value that got in some other way (a script) falls back to the default.
    @property
    def primary_css(self) -> str:
        return (
            self.primary_colour
            if _COLOUR.match(self.primary_colour or "")
            else (DEFAULT_PRIMARY_COLOUR)
        )

    @property
    def accent_css(self) -> str:
        return (
            self.accent_colour
            if _COLOUR.match(self.accent_colour or "")
            else (DEFAULT_ACCENT_COLOUR)
        )

    @property
    def custom_colours(self) -> bool:
        """Whether the page needs a <style> for the colours (the stylesheet has the defaults;
        a page without one keeps its CSP free of a nonce)."""
        return (self.primary_css, self.accent_css) != (
            DEFAULT_PRIMARY_COLOUR,
            DEFAULT_ACCENT_COLOUR,
        )

    @property
    def logo_src(self) -> str:
        """The logo's rendition URL, worked out when the settings are cached (see
        `_sites_with_settings`), so pages showing it spend no query."""
        if self.logo_id is None:
            return ""
        if "_logo_src" not in self.__dict__:
            try:
                self._logo_src = self.logo.get_rendition("height-80").url
            except OSError:  # Wagtail's SourceImageIOError among them
                self._logo_src = ""  # the file is missing: the name alone
        return self._logo_src

    @classmethod
    def for_request(cls, request):
        """The site and its settings from the cache (Wagtail spends two queries), on every
        page: base.html shows the brand name. Same site choice as Wagtail's
        Site.find_for_request."""
        attr_name = cls.get_cache_attr_name()
        if hasattr(request, attr_name) or hasattr(request, "_wagtail_site"):
            return super().for_request(request)
        site = _site_for_request_with_settings(request)
        request._wagtail_site = site
        settings = getattr(site, "shopsettings", None) if site is not None else None
        if settings is None:
            settings = super().for_request(request)  # creates the row on first use...
            if site is not None:
                _sites_with_settings()  # ...which the cache forgot: read again, with it
            return settings
        settings._request = request
        setattr(request, attr_name, settings)
        return settings


# Every site with its shop settings, for base.html's brand name on every page:
# read from the cache (one get, not a query), forgotten whenever a site or its settings are
# saved or deleted (now, and again after the commit, as tier rules are). The time limit bounds
# what a per-process cache (development without Redis) can keep stale.
SITES_CACHE_KEY = "portal:sites-with-settings:v1"
SITES_CACHE_SECONDS = 300


def sites_forget(**kwargs) -> None:
    cache.delete(SITES_CACHE_KEY)
    shop_pages_changed()  # the logo, colours and contact are on every member page
    transaction.on_commit(lambda: cache.delete(SITES_CACHE_KEY))


def _sites_with_settings() -> list[Site]:
    sites = cache.get(SITES_CACHE_KEY)
    if sites is None:
        # Not the root pages: a page costs a quarter of a millisecond to unpickle, and only
        # Wagtail's page views (which read it once) need it.
        sites = list(Site.objects.select_related("shopsettings__logo").order_by("pk"))
        for site in sites:
            shop = getattr(site, "shopsettings", None)
            if shop is not None:
                shop.logo_src  # noqa: B018 -- the rendition's URL, cached with the settings
        cache.set(SITES_CACHE_KEY, sites, SITES_CACHE_SECONDS)
    return sites


def _site_match(site: Site, hostname: str, port: int) -> int:
    if site.hostname == hostname:
        if site.port == port:
            return MATCH_HOSTNAME_PORT
        return MATCH_HOSTNAME_DEFAULT if site.is_default_site else MATCH_HOSTNAME
    return MATCH_DEFAULT


def _site_for_request_with_settings(request) -> Site | None:
    """wagtail.models.sites.get_site_for_hostname over the cached sites, settings included."""
    hostname = split_domain_port(request._get_raw_host())[0]
    port = request.get_port()
    try:
        port = int(port)
    except (TypeError, ValueError):
        port = None  # matches no site's port; the hostname and the default site still do
    candidates = [s for s in _sites_with_settings() if s.hostname == hostname or s.is_default_site]
    sites = sorted(candidates, key=lambda s: (_site_match(s, hostname, port), s.pk))
    if sites:
        first = _site_match(sites[0], hostname, port)
        if len(sites) == 1 or first in (MATCH_HOSTNAME_PORT, MATCH_HOSTNAME_DEFAULT):
            return sites[0]
        if first == MATCH_DEFAULT:
            return sites[len(sites) == 2]
    return None


for _model in (Site, ShopSettings, get_image_model_string()):  # a logo replaced too
    post_save.connect(sites_forget, sender=_model, dispatch_uid=f"sites_forget_save_{_model}")
    post_delete.connect(sites_forget, sender=_model, dispatch_uid=f"sites_forget_delete_{_model}")


class HomePage(Page):
    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["content.OfferPage"]

    class Meta:
        verbose_name = _("home page")

    def route(self, request, path_components):
        """Wagtail routes in the tree of the member's language (the site root `.localized`).
        A page missing there (not translated yet, or a link from the other language's tree,
        whose slug may differ) is looked up in the other languages' trees, default first, and
        shown in the member's language when that translation is live."""
        try:
            return super().route(request, path_components)
        except Http404:
            if not path_components:
                raise
        default_code = get_supported_content_language_variant(settings.LANGUAGE_CODE)
        others = self.get_translations().live().select_related("locale")
        for home in sorted(others, key=lambda h: h.locale.language_code != default_code):
            try:
                found = Page.route(home, request, path_components)  # no fallback again
            except Http404:
                continue
            page, args, kwargs = found
            return RouteResult(page.localized.specific, args=args, kwargs=kwargs)
        raise Http404


class OfferPageForm(WagtailAdminPageForm):
    """Who an offer is for and when it runs is one decision per offer, made on the default
    language's page; a translation only carries text, so there these fields show that page's
    values, read-only (and saving copies them, keeping the rows in step)."""

    lifecycle_stages = forms.MultipleChoiceField(
        label=_("lifecycle stages"),
        choices=LifecycleStage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "None ticked: members at every stage. Stages are recomputed every night from "
            "each member's orders."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tiers"].help_text = _("None ticked: the offer is for every member.")
        self.fields["tags"].help_text = _(
            "None ticked: members with or without tags. Several ticked: members with any of them."
        )
        self.fields["value"].required = False  # left empty: 0, listed after valued offers
        source = self.instance.default_language_offer() if self.instance.pk else None
        if source is None or source.pk == self.instance.pk:
            return
        language = source.locale.get_display_name()
        for name in OfferPage.SHARED_FIELDS:
            field = self.fields[name]
            field.disabled = True
            field.help_text = _("Set on the %(language)s version of this offer.") % {
                "language": language
            }
            value = getattr(source, name)
            self.initial[name] = [t.pk for t in value.all()] if name in ("tiers", "tags") else value

    def clean_value(self):
        return self.cleaned_data.get("value") or Decimal("0")


class OfferPage(Page):
    """An offer the owner publishes; shown to the members it targets: by tier, tag and
    lifecycle stage (each left empty: everyone), between its dates, the most valuable first.

    Written once per language: the default language's page decides targeting, dates and value,
    a translation (Wagtail's "Translate") gives the title, summary and details in its language.
    """

    SHARED_FIELDS = ("tiers", "tags", "lifecycle_stages", "valid_from", "valid_until", "value")

    summary = models.CharField(_("summary"), max_length=200)
    body = RichTextField(_("details"), blank=True)
    tiers = ParentalManyToManyField("membership.Tier", verbose_name=_("tiers"), blank=True)
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    tags = ParentalManyToManyField("membership.Tag", verbose_name=_("tags"), blank=True)
    # LifecycleStage values ("new", "active"...); empty: every stage. A list, not a relation:
    # five fixed values, read with the member's stage when the offers are listed.
    lifecycle_stages = models.JSONField(_("lifecycle stages"), default=list, blank=True)
    value = models.DecimalField(
        _("value to the member"),
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_(
            "About how much the offer saves a member, in the shop's currency. The dashboard "
            "shows the most valuable offers first."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("value"),
        FieldPanel("tiers", widget=forms.CheckboxSelectMultiple),
        FieldPanel("tags", widget=forms.CheckboxSelectMultiple),
        FieldPanel("lifecycle_stages"),
        FieldPanel("valid_from"),
        FieldPanel("valid_until"),
    ]
    base_form_class = OfferPageForm
    parent_page_types = ["content.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")

    @classmethod
    def can_create_at(cls, parent):
        # New offers start in the default language; other languages come from "Translate",
        # so every offer has the one page that decides whom it targets.
        default_code = get_supported_content_language_variant(settings.LANGUAGE_CODE)
        return super().can_create_at(parent) and parent.locale.language_code == default_code

    def default_language_offer(self) -> "OfferPage | None":
        default_code = get_supported_content_language_variant(settings.LANGUAGE_CODE)
        if self.locale.language_code == default_code:
            return self
        return (
            OfferPage.objects.filter(
                translation_key=self.translation_key, locale__language_code=default_code
            )
            .select_related("locale")
            .first()
        )

    @property
    def has_ended(self) -> bool:
        return self.valid_until is not None and self.valid_until <= timezone.now()

    @property
    def details(self) -> str:
        """The rich-text details, unless they only repeat the summary (printed above them)."""
        text = " ".join(strip_tags(self.body).split())
        return "" if text in ("", " ".join(self.summary.split())) else self.body


class OfferStat(models.Model):
    """One member and one offer: when the member first saw it on their dashboard, and when
    they used it. "Used" is the offer page's call to action followed (the member opened the
    offer and went on to show their card for it). Counted on the default language's page,
    the one that decides the offer, whatever language the member reads it in."""

    offer = models.ForeignKey(
        OfferPage, verbose_name=_("offer"), on_delete=models.CASCADE, related_name="stats"
    )
    member = models.ForeignKey(
        "membership.Member",
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="offer_stats",
    )
    first_viewed_at = models.DateTimeField(_("first seen"), default=timezone.now)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("offer statistic")
        verbose_name_plural = _("offer statistics")
        constraints = [
            models.UniqueConstraint(fields=["offer", "member"], name="offer_stat_once_per_member")
        ]


# The shop's live offers with their targeting and translations, for every dashboard (see
# portal.content.selectors.offers_for_member): read from the cache, forgotten whenever any page
# is saved, moved or deleted (publishing, unpublishing and scheduled runs save the page; a
# parent's new slug changes its offers' addresses), or an offer's tiers or tags lose a row,
# now and again after the commit. Whether an offer is in its dates is decided at each
# request, not when it was cached.
OFFERS_CACHE_KEY = "portal:live-offers:v1"
OFFERS_CACHE_SECONDS = 300


def offers_forget(**kwargs) -> None:
    cache.delete(OFFERS_CACHE_KEY)
    shop_pages_changed()  # the dashboard lists the offers
    transaction.on_commit(lambda: cache.delete(OFFERS_CACHE_KEY))


# Each model by name: a receiver for every sender would cost every model its fast deletes.
for _model in (Page, HomePage, OfferPage, OfferPage.tiers.through, OfferPage.tags.through):
    post_save.connect(offers_forget, sender=_model, dispatch_uid=f"offers_forget_save_{_model}")
    post_delete.connect(offers_forget, sender=_model, dispatch_uid=f"offers_forget_delete_{_model}")
# A deleted tier or tag takes its offers' rows with it in the database, without a signal.
for _model in (Tier, Tag):
    post_delete.connect(offers_forget, sender=_model, dispatch_uid=f"offers_forget_delete_{_model}")
post_page_move.connect(offers_forget, dispatch_uid="offers_forget_move")
