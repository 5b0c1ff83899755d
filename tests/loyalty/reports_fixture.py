"""A small shop whose report numbers are worked out by hand (see each test).

Months are relative to now so all three are closed: M1 = three months ago, M2, M3 = last
month. Times are local (the shop's zone, Asia/Shanghai in settings). Tiers, best first:
Seed (share target 5 %, repurchase 90 %), Core (20 %, 70 %), Potential (30 %, 50 %),
Basic (45 %, none).

Members and what happens to them:
- A  Seed all along.          Orders: M1 100 (S1), M2 200 (S1).
- B  Potential, Core from the first instant of M3 (the review).
                              Orders: M1 50 (S2), M3 70 (S1).
- C  Basic.                   Orders: M1 30 at 23:30 on its last day, M2 30 at 00:30 on its first
                              day (both S1: the second is still M1 in UTC).
- D  Core, Potential from the 15th of M2.
                              Orders: M1 80 (S1), M2 40 (S1).
- E  Basic.                   Orders: M1 25 (S1), M2 500 refunded (S1).
- F  Basic.                   No order.
- G  Basic.                   Orders: M1 - 2 months 1000 (S1).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from loyalty.models import TierChange
from loyalty.selectors.reports.months import current_month, month_add
from membership.models import Order, Store, Tier
from tests.factories import MemberFactory, OrderFactory, StoreFactory, TierFactory

M1 = month_add(current_month(), -3)
M2 = month_add(current_month(), -2)
M3 = month_add(current_month(), -1)


def local(month: datetime.date, day: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(month.year, month.month, day, hour, minute))


def last_day(month: datetime.date) -> int:
    return (month_add(month, 1) - datetime.timedelta(days=1)).day


@dataclass
class Shop:
    tiers: dict[str, Tier]
    s1: Store
    s2: Store
    members: dict


def _order(member, store, at, total, status=Order.Status.COMPLETED):
    amount = Decimal(total)
    extra = {}
    if status != Order.Status.COMPLETED:
        extra = {"cancelled_at": at + datetime.timedelta(hours=1)}
    return OrderFactory(
        member=member,
        store=store,
        created_at=at,
        subtotal=amount,
        total=amount,
        status=status,
        **extra,
    )


def build_shop() -> Shop:
    tiers = {
        "seed": TierFactory(
            code="seed",
            rank=4,
            name_en="Seed",
            badge_color="#8a5a00",
            target_share_percent=Decimal("5"),
            repurchase_target_percent=Decimal("90"),
        ),
        "core": TierFactory(
            code="core",
            rank=3,
            name_en="Core",
            target_share_percent=Decimal("20"),
            repurchase_target_percent=Decimal("70"),
        ),
        "potential": TierFactory(
            code="potential",
            rank=2,
            name_en="Potential",
            target_share_percent=Decimal("30"),
            repurchase_target_percent=Decimal("50"),
        ),
        "basic": TierFactory(
            code="basic", rank=1, name_en="Basic", target_share_percent=Decimal("45")
        ),
    }
    s1, s2 = StoreFactory(name="Alpha store"), StoreFactory(name="Beta store")
    joined = local(month_add(M1, -12), 1)
    now_tier = {"A": "seed", "B": "core", "C": "basic", "D": "potential"}
    members = {
        name: MemberFactory(
            number=f"R{name}", tier=tiers[now_tier.get(name, "basic")], joined_at=joined
        )
        for name in "ABCDEFG"
    }
    a, b, c, d, e, g = (members[name] for name in "ABCDEG")
    TierChange.objects.create(
        member=b,
        from_tier=tiers["potential"],
        to_tier=tiers["core"],
        reason=TierChange.Reason.PROMOTION,
        occurred_at=local(M3, 1, 0),
    )
    TierChange.objects.create(
        member=d,
        from_tier=tiers["core"],
        to_tier=tiers["potential"],
        reason=TierChange.Reason.DEMOTION,
        occurred_at=local(M2, 15),
    )
    _order(a, s1, local(M1, 10), "100")
    _order(a, s1, local(M2, 10), "200")
    _order(b, s2, local(M1, 10), "50")
    _order(b, s1, local(M3, 10), "70")
    _order(c, s1, local(M1, last_day(M1), 23, 30), "30")
    _order(c, s1, local(M2, 1, 0, 30), "30")
    _order(d, s1, local(M1, 5), "80")
    _order(d, s1, local(M2, 20), "40")
    _order(e, s1, local(M1, 10), "25")
    _order(e, s1, local(M2, 10), "500", status=Order.Status.REFUNDED)
    _order(g, s1, local(month_add(M1, -2), 10), "1000")
    return Shop(tiers=tiers, s1=s1, s2=s2, members=members)
