"""Wagtail pages and site settings. Kept apart from the app that defines the User model."""

from django.db import models
from django.db.models import Case, IntegerField, Q, When
from django.http.request import split_domain_port
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page, Site
from wagtail.models.sites import (
    MATCH_DEFAULT,
    MATCH_HOSTNAME,
    MATCH_HOSTNAME_DEFAULT,
    MATCH_HOSTNAME_PORT,
)


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


class OfferPage(Page):
    """An offer the owner publishes; shown to the tiers it targets (all tiers when none)."""

    summary = models.CharField(_("summary"), max_length=200)
    body = RichTextField(_("details"), blank=True)
    tiers = ParentalManyToManyField("membership.Tier", verbose_name=_("tiers"), blank=True)
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("tiers"),
        FieldPanel("valid_from"),
        FieldPanel("valid_until"),
    ]
    parent_page_types = ["content.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
