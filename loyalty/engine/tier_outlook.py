"""What the next tier review will do for one member, and what would change it. Pure Python.

"Why am I in this tier" is read from here, and here asks `review_decision`, the function the
review itself runs: given the member's statistics as of the next review (their orders so
far, with the months rolled forward to that date), the outlook's decision is exactly what
the review will decide if the member orders nothing more. The criteria's progress says
what more would change it; because the review date is the start of a month in the shop's
time zone, "this month" in the words is rolling month 0 of those statistics.
"""

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime

from loyalty.engine.tier_review import (
    MovementPolicy,
    Progress,
    Rule,
    TierDecision,
    TierState,
    hold_end,
    review_decision,
    tier_progress,
    visits_progress,
)
from loyalty.engine.tiers import MemberStats, TierCriteria


@dataclass(frozen=True)
class TierOutlook:
    tier: Hashable | None  # the tier held now
    review_at: datetime  # when the next review runs
    decision: TierDecision  # what that review decides if nothing more happens
    keep: tuple[Progress, ...]  # what holding the current tier takes, at the review
    next_tier: Hashable | None  # the tier ranked just above, if any
    reach: tuple[Progress, ...]  # what the next tier takes, at the review
    next_on_order: bool  # the next tier is entered on the order that qualifies
    held_until: datetime | None  # the current tier's hold, when it covers the review
    floor_until: datetime | None  # a staff floor that covers the review (None: none or no end)
    floored: bool  # a staff floor at or above the current tier covers the review

    @property
    def moving_down(self) -> bool:
        return self.decision.rule in (Rule.DEMOTION, Rule.HOLD_EXPIRED)

    @property
    def moving_up(self) -> bool:
        return self.decision.rule is Rule.PROMOTION and self.decision.tier != self.tier

    @property
    def grace(self) -> bool:
        """The review will only warn: the member keeps the tier for one more month."""
        return self.decision.rule is Rule.GRACE

    @property
    def keep_missing(self) -> tuple[Progress, ...]:
        return tuple(p for p in self.keep if not p.met)

    @property
    def reach_missing(self) -> tuple[Progress, ...]:
        return tuple(p for p in self.reach if not p.met)

    @property
    def keep_reachable(self) -> bool:
        """Orders before the review can still keep the tier."""
        return all(p.reachable for p in self.keep_missing)

    @property
    def reach_reachable(self) -> bool:
        return all(p.reachable for p in self.reach_missing)


def tier_outlook(
    *,
    stats_at_review: MemberStats,
    tiers: Sequence[TierCriteria],
    policies: dict[Hashable, MovementPolicy],
    state: TierState,
    review_at: datetime,
) -> TierOutlook:
    """The member's outlook for the review at `review_at`, from statistics taken as of that
    date (see the module docstring)."""
    ranked = sorted(tiers, key=lambda t: t.rank)
    decision = review_decision(
        stats=stats_at_review, tiers=ranked, policies=policies, state=state, as_of=review_at
    )
    current = next((t for t in ranked if t.key == state.tier), None)
    above = [t for t in ranked if current is not None and t.rank > current.rank]
    next_tier = above[0] if above else None
    keep: tuple[Progress, ...] = ()
    held_until = None
    if current is not None and current is not ranked[0]:  # the lowest tier is never lost
        policy = policies.get(current.key, MovementPolicy())
        visits = visits_progress(stats_at_review, policy)
        keep = tier_progress(current, stats_at_review) + ((visits,) if visits else ())
        until = hold_end(state, policy, review_at)
        held_until = until if until is not None and review_at < until else None
    floor_covers = state.floor is not None and (
        state.floor_until is None or review_at < state.floor_until
    )
    rank = {t.key: t.rank for t in ranked}
    floored = (
        floor_covers
        and current is not None
        and rank.get(state.floor, -1) >= current.rank
        and state.floor in rank
    )
    return TierOutlook(
        tier=state.tier,
        review_at=review_at,
        decision=decision,
        keep=keep,
        next_tier=next_tier.key if next_tier else None,
        reach=tier_progress(next_tier, stats_at_review) if next_tier else (),
        next_on_order=bool(
            next_tier and policies.get(next_tier.key, MovementPolicy()).promote_on_order
        ),
        held_until=held_until,
        floor_until=state.floor_until if floored else None,
        floored=floored,
    )
