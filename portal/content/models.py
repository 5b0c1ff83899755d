"""Wagtail pages and site settings. Kept apart from the app that defines the User model."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page


@register_setting(icon="site")
class ShopSettings(BaseSiteSetting):
    brand_name = models.CharField(_("brand name"), max_length=80, default="Membership portal")
    support_phone = models.CharField(_("support phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("shop settings")


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
