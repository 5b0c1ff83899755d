"""Wagtail pages and site settings. Kept apart from the app that defines the User model."""

from django import forms
from django.conf import settings
from django.db import models
from django.db.models import Case, IntegerField, Q, When
from django.http import Http404
from django.http.request import split_domain_port
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.fields import RichTextField
from wagtail.models import Page, Site
from wagtail.models.sites import (
    MATCH_DEFAULT,
    MATCH_HOSTNAME,
    MATCH_HOSTNAME_DEFAULT,
    MATCH_HOSTNAME_PORT,
)
from wagtail.url_routing import RouteResult


@register_setting(icon="site")
class ShopSettings(BaseSiteSetting):
    brand_name = models.CharField(_("brand name"), max_length=80, default="Membership portal")
    support_phone = models.CharField(_("support phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("shop settings")

    @classmethod
    def for_request(cls, request):
        """The site and its settings in one query (Wagtail spends two), on every page:
        base.html shows the brand name. Same site choice as Wagtail's Site.find_for_request.
        """
        attr_name = cls.get_cache_attr_name()
        if hasattr(request, attr_name) or hasattr(request, "_wagtail_site"):
            return super().for_request(request)
        site = _site_for_request_with_settings(request)
        request._wagtail_site = site
        settings = getattr(site, "shopsettings", None) if site is not None else None
        if settings is None:
            return super().for_request(request)  # creates the row on first use
        settings._request = request
        setattr(request, attr_name, settings)
        return settings


def _site_for_request_with_settings(request) -> Site | None:
    """wagtail.models.sites.get_site_for_hostname, with the settings row joined in."""
    hostname = split_domain_port(request._get_raw_host())[0]
    port = request.get_port()
    sites = list(
        Site.objects.annotate(
            match=Case(
                When(hostname=hostname, port=port, then=MATCH_HOSTNAME_PORT),
                When(hostname=hostname, is_default_site=True, then=MATCH_HOSTNAME_DEFAULT),
                When(is_default_site=True, then=MATCH_DEFAULT),
                default=MATCH_HOSTNAME,
                output_field=IntegerField(),
            )
        )
        .filter(Q(hostname=hostname) | Q(is_default_site=True))
        .order_by("match")
        .select_related("root_page", "shopsettings")
    )
    if sites:
        if len(sites) == 1 or sites[0].match in (MATCH_HOSTNAME_PORT, MATCH_HOSTNAME_DEFAULT):
            return sites[0]
        if sites[0].match == MATCH_DEFAULT:
            return sites[len(sites) == 2]
    return None


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tiers"].help_text = _("None ticked: the offer is for every member.")
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
            self.initial[name] = [t.pk for t in value.all()] if name == "tiers" else value


class OfferPage(Page):
    """An offer the owner publishes; shown to the tiers it targets (all tiers when none).

    Written once per language: the default language's page decides targeting and dates, a
    translation (Wagtail's "Translate") gives the title, summary and details in its language.
    """

    SHARED_FIELDS = ("tiers", "valid_from", "valid_until")

    summary = models.CharField(_("summary"), max_length=200)
    body = RichTextField(_("details"), blank=True)
    tiers = ParentalManyToManyField("membership.Tier", verbose_name=_("tiers"), blank=True)
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("tiers", widget=forms.CheckboxSelectMultiple),
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
