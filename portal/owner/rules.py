"""Reward rules in /cms/: the owner writes them (trigger, conditions, effects), tries them
with a dry run, switches them on and sees what they did."""

from datetime import datetime, time

from django import forms
from django.core.paginator import Paginator
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
)
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.snippets import SnippetViewSet

from loyalty.flows.reward_rules import rule_dry_run
from loyalty.models import LifecycleStage, RewardRule
from loyalty.selectors.rules import rule_effect_stats
from membership.backoffice import LinkedIndexView, ShopInspectView, name_column
from membership.models import Member

DRY_RUN_PAGE = 50


class RewardRuleForm(WagtailAdminModelForm):
    lifecycle_stages = forms.MultipleChoiceField(
        label=_("lifecycle stages"),
        choices=LifecycleStage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only members in one of these stages (none ticked: any stage)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["lifecycle_stages"] = self.instance.stage_list
        self._was_enabled = bool(self.instance.pk and self.instance.is_enabled)

    def clean_lifecycle_stages(self) -> str:
        return ",".join(self.cleaned_data["lifecycle_stages"])

    def save(self, commit=True):
        rule = self.instance
        if rule.is_enabled and not self._was_enabled:
            # Event rules reward the events of the day they are switched on, as the dry run
            # showed, that no rule has read yet.
            today = timezone.localdate()
            rule.enabled_at = timezone.make_aware(datetime.combine(today, time.min))
        elif not rule.is_enabled:
            rule.enabled_at = None
        return super().save(commit=commit)


class RuleResultsView(ShopInspectView):
    """The rule's dry run for today and what it has done so far."""

    template_name = "portal/owner/rule_results.html"

    def get_fields(self):
        return ["trigger", "is_enabled", "enabled_at", "period", "max_per_member"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rule = self.object
        dry_run = rule_dry_run(rule=rule)
        page = Paginator(dry_run.rewards, DRY_RUN_PAGE).get_page(self.request.GET.get("p"))
        members = Member.objects.select_related("tier").in_bulk(
            [c.member_id for c in page.object_list]
        )
        context.update(
            dry_run=dry_run,
            dry_run_page=page,
            dry_run_rows=[(members.get(c.member_id), c) for c in page.object_list],
            effects=list(rule.effects.select_related("coupon_template", "package")),
            stats=rule_effect_stats(rule),
        )
        return context


class RewardRuleViewSet(SnippetViewSet):
    model = RewardRule
    icon = "rotate"
    menu_label = _("Reward rules")
    menu_name = "reward-rules"
    menu_order = 215
    add_to_admin_menu = True
    index_view_class = LinkedIndexView
    inspect_view_class = RuleResultsView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        name_column(),
        "trigger",
        "period",
        "is_enabled",
        Column("reward_count", label=_("Rewards given"), accessor="reward_count"),
    ]
    list_filter = ["is_enabled", "trigger"]
    search_fields = ["name_zh", "name_en"]
    search_backend_name = None
    list_per_page = 50
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("name_zh"), FieldPanel("name_en")]),
            FieldPanel("trigger"),
            MultiFieldPanel(
                [
                    FieldPanel("tiers", widget=forms.CheckboxSelectMultiple),
                    FieldPanel("tags", widget=forms.CheckboxSelectMultiple),
                    FieldPanel("lifecycle_stages"),
                    FieldRowPanel([FieldPanel("spend_window"), FieldPanel("window_days")]),
                    FieldRowPanel([FieldPanel("min_spend"), FieldPanel("min_orders")]),
                    FieldRowPanel([FieldPanel("streak_months"), FieldPanel("streak_min_spend")]),
                    FieldPanel("min_days_since_visit"),
                ],
                heading=_("Who: all conditions must hold"),
            ),
            InlinePanel("effects", heading=_("What they get"), label=_("Effect"), min_num=1),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("period"), FieldPanel("max_per_member")]),
                    FieldRowPanel(
                        [FieldPanel("monthly_budget_count"), FieldPanel("monthly_budget_amount")]
                    ),
                ],
                heading=_("Limits and budget"),
            ),
            FieldPanel("is_enabled"),
        ],
        base_form_class=RewardRuleForm,
    )

    def get_queryset(self, request):
        return RewardRule.objects.annotate(reward_count=Count("firings"))
