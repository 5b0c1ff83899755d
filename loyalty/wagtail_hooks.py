"""The owner's loyalty configuration at /cms/: packages, top-up bonuses, coupon templates.

The points rule, top-up amounts and maximum, and online payment methods are a settings page
(Settings → Loyalty settings, `loyalty.models.LoyaltySettings`). Ledgers are never edited
here: money and points move only through the services.
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from loyalty.models import CouponTemplate, Package, TopUpBonusRule
from membership.backoffice import LinkedIndexView, name_column


class PackageViewSet(SnippetViewSet):
    model = Package
    icon = "list-ul"
    menu_label = _("Prepaid packages")
    index_view_class = LinkedIndexView
    list_display = [name_column(), "code", "price", "validity_days", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name_zh", "name_en", "code"]
    search_backend_name = None
    copy_view_enabled = False
    panels = [
        FieldRowPanel([FieldPanel("name_zh"), FieldPanel("name_en")]),
        FieldRowPanel([FieldPanel("code"), FieldPanel("price"), FieldPanel("validity_days")]),
        FieldRowPanel([FieldPanel("is_active"), FieldPanel("sort_order")]),
        InlinePanel("items", heading=_("Services included"), label=_("Service"), min_num=1),
    ]


class TopUpBonusRuleViewSet(SnippetViewSet):
    model = TopUpBonusRule
    icon = "plus-inverse"
    menu_label = _("Top-up bonuses")
    index_view_class = LinkedIndexView
    list_display = ["name", "min_amount", "bonus_amount", "package", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    search_backend_name = None
    copy_view_enabled = False
    panels = [
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("min_amount"), FieldPanel("bonus_amount")]),
        FieldPanel("package"),
        FieldPanel("is_active"),
    ]


class CouponTemplateViewSet(SnippetViewSet):
    model = CouponTemplate
    icon = "tag"
    menu_label = _("Coupons")
    index_view_class = LinkedIndexView
    list_display = [name_column(), "amount_off", "min_spend", "valid_days", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name_zh", "name_en"]
    search_backend_name = None
    copy_view_enabled = False
    panels = [
        FieldRowPanel([FieldPanel("name_zh"), FieldPanel("name_en")]),
        FieldRowPanel(
            [FieldPanel("amount_off"), FieldPanel("min_spend"), FieldPanel("valid_days")]
        ),
        FieldPanel("is_active"),
    ]


class LoyaltyGroup(SnippetViewSetGroup):
    items = (PackageViewSet, TopUpBonusRuleViewSet, CouponTemplateViewSet)
    menu_icon = "pick"
    menu_label = _("Stored value & coupons")
    menu_name = "loyalty"
    menu_order = 210


register_snippet(LoyaltyGroup)
