"""The shop's tiers as the engine sees them: criteria, movement rules, ranked low to high,
with the benefits members read.

Pages that explain a member's tier read them from the cache (they change when the owner
saves a tier or a benefit, which clears it); the review and checkout read the database.
"""

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field

from django.core.cache import cache

from loyalty.engine.tier_review import MovementPolicy
from loyalty.engine.tiers import TierCriteria, months_needed
from membership.models import Tier, TierBenefit
from membership.models.tiers import TIER_RULES_CACHE_KEY

CACHE_SECONDS = 300  # a bound on staleness when the cache is per process (development)


def tier_criteria(tier: Tier) -> TierCriteria:
    return TierCriteria(
        key=tier.pk,
        rank=tier.rank,
        window_months=tier.window_months,
        min_spend=tier.min_spend,
        min_orders=tier.min_orders,
        min_orders_per_recent_month=tier.min_orders_per_recent_month,
        min_spend_per_recent_month=tier.min_spend_per_recent_month,
        recent_months=tier.recent_months,
    )


def tier_policy(tier: Tier) -> MovementPolicy:
    return MovementPolicy(
        promote_on_order=tier.promote_on_order,
        demote_one_step=tier.demote_one_step,
        hold_months=tier.hold_months,
        grace=tier.grace_review,
        frequency_drop_months=tier.frequency_drop_months,
        frequency_drop_percent=tier.frequency_drop_percent,
    )


@dataclass(frozen=True)
class TierRules:
    tiers: tuple[Tier, ...] = ()  # lowest rank first
    criteria: tuple[TierCriteria, ...] = ()
    policies: dict[Hashable, MovementPolicy] = field(default_factory=dict)
    benefits: dict[int, tuple[TierBenefit, ...]] = field(default_factory=dict)  # by tier pk

    @property
    def by_pk(self) -> dict[int, Tier]:
        return {tier.pk: tier for tier in self.tiers}

    def tier_benefits(self, tier: Tier | None) -> list[TierBenefit]:
        return list(self.benefits.get(tier.pk, ())) if tier is not None else []

    @property
    def months(self) -> int:
        """Rolling months of history the decision reads (criteria and frequency drops)."""
        drops = (2 * policy.frequency_drop_months for policy in self.policies.values())
        return max(months_needed(self.criteria), *drops, 1)


def tier_rules() -> TierRules:
    tiers = tuple(Tier.objects.order_by("rank", "pk"))
    benefits = defaultdict(list)
    for benefit in TierBenefit.objects.order_by("tier_id", "sort_order", "id"):
        benefits[benefit.tier_id].append(benefit)
    return TierRules(
        tiers=tiers,
        criteria=tuple(tier_criteria(tier) for tier in tiers),
        policies={tier.pk: tier_policy(tier) for tier in tiers},
        benefits={pk: tuple(rows) for pk, rows in benefits.items()},
    )


def tier_rules_cached() -> TierRules:
    rules = cache.get(TIER_RULES_CACHE_KEY)
    if rules is None:
        rules = tier_rules()
        cache.set(TIER_RULES_CACHE_KEY, rules, CACHE_SECONDS)
    return rules
