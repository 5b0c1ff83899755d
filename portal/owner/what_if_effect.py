"""What a tier change would do at the next review, before it is saved.

One dry run of the review (`tier_review_run`, the same engine and reads as the real run)
with the owner's unsaved values in place of the stored tier, against the members' tiers
now. A fixed number of queries whatever the number of members.
"""

import time
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count

from loyalty.services.tier_review import TierMove, tier_review_run
from membership.models import Member, Tier


@dataclass(frozen=True)
class TierShare:
    tier: Tier  # with the owner's unsaved values for the tier being edited
    now: int  # members in the tier today
    with_change: int  # after the next review with the change
    members: int  # all members

    @property
    def target(self) -> Decimal:
        return self.tier.target_share_percent

    def _percent(self, count: int) -> Decimal:
        if not self.members:
            return Decimal("0")
        return (Decimal(100) * count / self.members).quantize(Decimal("0.1"))

    @property
    def now_percent(self) -> Decimal:
        return self._percent(self.now)

    @property
    def with_change_percent(self) -> Decimal:
        return self._percent(self.with_change)


@dataclass(frozen=True)
class WhatIf:
    review_on: date
    members: int
    shares: list[TierShare]  # best tier first
    ups: list[TierMove]  # moves of the review with the change, in member id order
    downs: list[TierMove]
    duration_ms: int


def _after(now: dict, moves: list[TierMove]) -> dict:
    counts = dict(now)
    for move in moves:
        counts[move.from_tier_id] = counts.get(move.from_tier_id, 0) - 1
        counts[move.to_tier_id] = counts.get(move.to_tier_id, 0) + 1
    return counts


def tier_what_if(*, changed: Tier, as_of: datetime) -> WhatIf:
    """The next review at `as_of` with `changed` (unsaved values of a stored tier) against
    the members' tiers now. Nothing is written."""
    started = time.monotonic()
    trial = tier_review_run(as_of=as_of, dry_run=True, tier_overrides=[changed])
    tiers = [changed if tier.pk == changed.pk else tier for tier in Tier.objects.all()]
    tiers.sort(key=lambda tier: -tier.rank)
    now = dict(
        Member.objects.order_by()
        .values_list("tier_id")
        .annotate(count=Count("pk"))
        .values_list("tier_id", "count")
    )
    with_change = _after(now, trial.moves)
    members = sum(now.values())
    shares = [
        TierShare(
            tier=tier,
            now=now.get(tier.pk, 0),
            with_change=with_change.get(tier.pk, 0),
            members=members,
        )
        for tier in tiers
    ]
    rank = {tier.pk: tier.rank for tier in tiers}
    ups = [m for m in trial.moves if rank[m.to_tier_id] > rank.get(m.from_tier_id, -1)]
    downs = [m for m in trial.moves if rank[m.to_tier_id] < rank.get(m.from_tier_id, -1)]
    return WhatIf(
        review_on=trial.period,
        members=members,
        shares=shares,
        ups=ups,
        downs=downs,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
