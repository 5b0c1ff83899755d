"""The owner's dashboard panel "Getting started": the twelve strategies of the product, each
linked to the screen in /cms/ that sets it up, with whether it is set up yet.

Every mark is an EXISTS over a small configuration table, all in one query (annotated on
the owner's own user row), whatever the size of the shop.
"""

from dataclasses import dataclass

from django.db.models import Exists, Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.components import Component

from loyalty.models import EffectKind, Package, RewardRule, RuleTrigger, TopUpBonusRule
from membership.models import Tier, User
from portal.content.models import OfferPage

TIERS = "wagtailsnippets_membership_tier:list"
RULES = "wagtailsnippets_loyalty_rewardrule:list"
TOP_UPS = "wagtailsnippets_loyalty_topupbonusrule:list"
PACKAGES = "wagtailsnippets_loyalty_package:list"
PAGES = "wagtailadmin_explore_root"


def _rules(*conditions: Q, **filters):
    return RewardRule.objects.filter(*conditions, is_enabled=True, **filters)


def _checks() -> dict:
    """What makes each strategy count as set up (an enabled rule, an active bonus...)."""
    return {
        "tier_benefits": Tier.objects.filter(
            Q(stored_value_discount_percent__gt=0) | ~Q(points_multiplier=1)
        ),
        "step_coupon": _rules(
            trigger=RuleTrigger.ORDER_COMPLETED,
            min_spend__isnull=False,
            effects__kind=EffectKind.COUPON,
        ),
        "top_up_bonus": TopUpBonusRule.objects.filter(is_active=True),
        "packages": Package.objects.filter(is_active=True),
        "win_back": _rules(min_days_since_visit__isnull=False),
        "streak": _rules(streak_months__isnull=False),
        "gifts": _rules(
            trigger__in=[RuleTrigger.BIRTHDAY, RuleTrigger.TIER_UP, RuleTrigger.TIER_DOWN]
        ),
        "first_visit": _rules(trigger=RuleTrigger.FIRST_ORDER),
        "referral": _rules(trigger=RuleTrigger.REFERRAL_QUALIFIED),
        "priority": Tier.objects.filter(
            Q(pickup_response_hours__isnull=False) | Q(priority_booking=True)
        ),
        "offers": OfferPage.objects.live(),
    }


@dataclass(frozen=True)
class Strategy:
    key: str
    title: Promise
    how: Promise
    url_name: str
    done: bool | None = None  # None: nothing to check (set up by hand)

    @property
    def url(self) -> str:
        return reverse(self.url_name)


STRATEGIES = [
    Strategy(
        "tier_benefits",
        _("Tier discount on stored value and points multiplier"),
        _("Tiers: the discount and multiplier of each tier."),
        TIERS,
    ),
    Strategy(
        "step_coupon",
        _("Step coupon (spend 300 this month, get a 50 coupon)"),
        _("Reward rules: when an order is completed, spent at least, give a coupon."),
        RULES,
    ),
    Strategy(
        "top_up_bonus",
        _("Top-up bonus (top up 100, get 20 extra)"),
        _("Top-up bonuses."),
        TOP_UPS,
    ),
    Strategy(
        "packages",
        _("Prepaid packages (a month card of cleanings)"),
        _("Prepaid packages."),
        PACKAGES,
    ),
    Strategy(
        "win_back",
        _("Win-back coupon after months without a visit"),
        _("Reward rules: no visit for at least N days."),
        RULES,
    ),
    Strategy(
        "streak",
        _("Streak reward (spend each month for 6 months)"),
        _("Reward rules: months in a row with a monthly spend."),
        RULES,
    ),
    Strategy(
        "gifts",
        _("Birthday, tier-upgrade and demotion gifts"),
        _("Reward rules triggered by the birthday or a tier change."),
        RULES,
    ),
    Strategy(
        "first_visit",
        _("First-visit offer and a small coupon after each visit"),
        _("Reward rules: a member's first order; an order of a Basic member."),
        RULES,
    ),
    Strategy(
        "referral",
        _("Referral reward"),
        _("Reward rules: a friend the member referred completes a first order."),
        RULES,
    ),
    Strategy(
        "group_deal",
        _("Group deal (optional)"),
        _("Not built in: announce it as an offer and ring it up at the counter."),
        PAGES,
    ),
    Strategy(
        "priority",
        _("Priority service per tier (pickup response window, priority slots)"),
        _("Tiers: pickup response window and priority booking."),
        TIERS,
    ),
    Strategy(
        "offers",
        _("Targeted offers by tier, tag, stage or season"),
        _("Pages: an offer page under the home page, with who it is for."),
        PAGES,
    ),
]


def strategies_with_marks(user: User) -> list[Strategy]:
    checks = _checks()
    marks = (
        User.objects.filter(pk=user.pk)
        .annotate(**{key: Exists(query) for key, query in checks.items()})
        .values(*checks)
        .first()
    ) or {}
    return [
        Strategy(s.key, s.title, s.how, s.url_name, marks.get(s.key) if s.key in checks else None)
        for s in STRATEGIES
    ]


class GettingStartedPanel(Component):
    name = "getting_started"
    template_name = "portal/owner/getting_started.html"
    order = 50  # above Wagtail's own panels

    def get_context_data(self, parent_context):
        request = parent_context["request"]
        strategies = strategies_with_marks(request.user)
        return {
            "strategies": strategies,
            "done": sum(1 for s in strategies if s.done),
            "checked": sum(1 for s in strategies if s.done is not None),
        }
