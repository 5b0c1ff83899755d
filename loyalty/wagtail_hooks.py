"""The owner's loyalty configuration at /cms/: packages, top-up bonuses, coupon templates.

The points rule, top-up amounts and maximum, and online payment methods are a settings page
(Settings → Loyalty settings, `loyalty.models.LoyaltySettings`). Ledgers are never edited
here: money and points move only through the services.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from loyalty.models import (
    CouponTemplate,
    DynamicTagRule,
    Package,
    PointsReward,
    TierChange,
    TierReviewRun,
    TopUpBonusRule,
)
from membership.backoffice import LinkedIndexView, ShopInspectView, name_column


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
    list_display = [
        name_column(),
        "value_type",
        "amount_off",
        "percent_off",
        "free_category",
        "min_spend",
        "valid_days",
        "ends_on",
        "is_active",
    ]
    list_filter = ["is_active", "value_type"]
    search_fields = ["name_zh", "name_en"]
    search_backend_name = None
    copy_view_enabled = False
    panels = [
        FieldRowPanel([FieldPanel("name_zh"), FieldPanel("name_en")]),
        MultiFieldPanel(
            [
                FieldPanel("value_type"),
                FieldRowPanel(
                    [
                        FieldPanel("amount_off"),
                        FieldPanel("percent_off"),
                        FieldPanel("max_discount"),
                    ]
                ),
                FieldPanel("free_category"),
            ],
            heading=_("What it takes off"),
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("min_spend"), FieldPanel("scope_category")])],
            heading=_("On what"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("valid_days"),
                FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
            ],
            heading=_("When: a number of days from when it is given, or fixed dates"),
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("uses_per_coupon"), FieldPanel("per_member_limit")])],
            heading=_("How often"),
        ),
        FieldPanel("is_active"),
    ]


class PointsRewardViewSet(SnippetViewSet):
    """The points catalogue: coupons members take for points on /me/points/rewards/."""

    model = PointsReward
    icon = "pick"
    menu_label = _("Points rewards")
    index_view_class = LinkedIndexView
    list_display = [
        name_column(),
        "points_cost",
        "coupon_template",
        "per_member_limit",
        "sort_order",
        "is_active",
    ]
    list_filter = ["is_active"]
    search_fields = ["name_zh", "name_en"]
    search_backend_name = None
    copy_view_enabled = False


class ViewOnlyPolicy(ModelPermissionPolicy):
    """History is looked at, never edited: reviews and moves are written by the services."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)


register_permission_policy(TierReviewRun, ViewOnlyPolicy(TierReviewRun), exact_class=True)
register_permission_policy(TierChange, ViewOnlyPolicy(TierChange), exact_class=True)


class TierReviewRunViewSet(SnippetViewSet):
    """Each monthly review's outcome: how many members it reviewed, moved, held and warned."""

    model = TierReviewRun
    icon = "date"
    menu_label = _("Tier reviews")
    index_view_class = LinkedIndexView
    inspect_view_class = ShopInspectView
    inspect_view_enabled = True
    list_display = [
        "period",
        "reviewed",
        "promoted",
        "demoted",
        "held",
        "warned",
        "floored",
        "duration_ms",
        "created_at",
    ]
    list_per_page = 50
    copy_view_enabled = False


class TierChangeViewSet(SnippetViewSet):
    """Every member's tier moves: by the review, on an order, by a staff floor."""

    model = TierChange
    icon = "history"
    menu_label = _("Tier changes")
    index_view_class = LinkedIndexView
    inspect_view_class = ShopInspectView
    inspect_view_enabled = True
    list_display = [
        Column("member", label=_("Member"), accessor="member.number"),
        "from_tier",
        "to_tier",
        "reason",
        "occurred_at",
        "order_number",
        Column("acting_user", label=_("By"), accessor="acting_user"),
    ]
    list_filter = ["reason", "to_tier"]
    list_per_page = 50
    search_fields = ["member__number", "member__name", "order_number"]
    search_backend_name = None
    copy_view_enabled = False

    def get_queryset(self, request):
        return TierChange.objects.select_related(
            "member", "from_tier", "to_tier", "acting_user"
        ).order_by("-occurred_at", "-id")


class TierHistoryGroup(SnippetViewSetGroup):
    items = (TierReviewRunViewSet, TierChangeViewSet)
    menu_icon = "history"
    menu_label = _("Tier reviews")
    menu_name = "tier-reviews"
    menu_order = 205


register_snippet(TierHistoryGroup)


class LoyaltyGroup(SnippetViewSetGroup):
    items = (PackageViewSet, TopUpBonusRuleViewSet, CouponTemplateViewSet, PointsRewardViewSet)
    menu_icon = "pick"
    menu_label = _("Stored value & coupons")
    menu_name = "loyalty"
    menu_order = 210


register_snippet(LoyaltyGroup)


class DynamicTagRuleViewSet(ModelViewSet):
    """The owner's dynamic tag rules; the nightly segment run and each order apply them."""

    model = DynamicTagRule
    icon = "tag"
    menu_label = _("Dynamic tag rules")
    menu_name = "dynamic-tag-rules"
    menu_order = 206
    add_to_admin_menu = True
    list_display = ["tag", "kind", "amount", "count", "days", "is_active"]
    list_filter = ["is_active", "kind"]
    copy_view_enabled = False
    inspect_view_enabled = False
    panels = [
        FieldPanel("tag"),
        FieldPanel("kind"),
        FieldRowPanel([FieldPanel("amount"), FieldPanel("count"), FieldPanel("days")]),
        FieldPanel("is_active"),
    ]

    def get_queryset(self, request):
        return DynamicTagRule.objects.select_related("tag")


@hooks.register("register_admin_viewset")
def register_dynamic_tag_rules():
    return DynamicTagRuleViewSet("dynamic_tag_rules")
