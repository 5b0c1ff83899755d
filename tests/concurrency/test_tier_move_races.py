"""Tier moves from three sides at once, on PostgreSQL with real threads: promotions on an
order, the monthly review and a staff floor, while the same member's orders are checked out
and refunded. All of them lock the member row first (the lock order), so nothing deadlocks,
every ledger still adds up, and the member's tier history is one unbroken chain: no move is
based on a tier the member had already left.
"""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from loyalty.engine.tier_review import Rule, shift_forward
from loyalty.models import PointsAccount, TierChange, TierReviewRun, WalletAccount
from loyalty.services import tier_review
from loyalty.services.checkout import PaymentSplit, checkout_order, order_refund
from loyalty.services.tier_floor import tier_floor_clear, tier_floor_set
from loyalty.services.tier_review import TierReviewResult, period_start, tier_review_run
from loyalty.services.wallet import wallet_top_up
from membership.models import Member, MemberEvent, Order
from membership.services.orders import OrderLineInput
from tests.concurrency.threads import run_together
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory, TierFactory
from tests.loyalty.helpers import assert_ledger_consistent

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and real threads need PostgreSQL"
    ),
]

ROUNDS = 8


def next_month(months_after: int = 0):
    first = shift_forward(timezone.localdate().replace(day=1), 1 + months_after)
    return period_start(first)


def long_ago():
    return timezone.now() - timedelta(days=400)


def assert_unbroken_history(member: Member) -> None:
    """Each move starts where the one before ended (in the order they were written, under the
    member lock), and the last one ends where the member is."""
    member.refresh_from_db()
    changes = list(TierChange.objects.filter(member=member).order_by("id"))
    for before, after in zip(changes, changes[1:], strict=False):
        assert after.from_tier_id == before.to_tier_id, (before, after)
    if changes:
        assert changes[-1].to_tier_id == member.tier_id
    events = MemberEvent.objects.filter(member=member, kind=MemberEvent.Kind.TIER_CHANGED)
    assert events.count() == len([c for c in changes if c.reason != TierChange.Reason.MANUAL])


@pytest.fixture
def shop():
    basic = TierFactory(code="basic", rank=1)
    core = TierFactory(code="core", rank=2, min_spend=Decimal("300"), promote_on_order=True)
    seed = TierFactory(code="seed", rank=3, min_spend=Decimal("3000"), promote_on_order=True)
    member = MemberFactory(tier=basic, tier_since=long_ago())
    others = [MemberFactory(tier=seed, tier_since=long_ago()) for _ in range(4)]
    staff = StaffFactory()
    category = ServiceCategoryFactory(code="suit")
    for n in range(7):
        wallet_top_up(
            member=member, amount=Decimal("5000"), method="cash", idempotency_key=f"money-{n}"
        )
    return {
        "tiers": (basic, core, seed),
        "member": member,
        "others": others,
        "staff": staff,
        "category": category,
    }


def checkout(shop, key: str, amount: str = "400") -> Order:
    return checkout_order(
        member=shop["member"],
        store=shop["staff"].store,
        lines=[OrderLineInput(shop["category"], 1, Decimal(amount))],
        payments=PaymentSplit(stored_value=Decimal(amount)),
        acting_user=shop["staff"],
        idempotency_key=key,
    )


def test_promotions_the_review_and_a_floor_race_checkouts_and_refunds_without_deadlock(shop):
    member, staff = shop["member"], shop["staff"]
    _basic, core, seed = shop["tiers"]
    floor_until = timezone.localdate() + timedelta(days=20)
    failures = []
    for round_ in range(ROUNDS):
        earlier = checkout(shop, f"earlier-{round_}")
        if round_ % 2 == 0:
            floor_tier = seed if round_ % 4 == 0 else core
            floor = lambda t=floor_tier: tier_floor_set(  # noqa: E731
                member=member, tier=t, until=floor_until, reason="race", acting_user=staff
            )
        else:
            floor = lambda: tier_floor_clear(member=member, acting_user=staff, reason="race")  # noqa: E731
        results = run_together(
            [
                lambda r=round_: checkout(shop, f"new-{r}-a"),
                lambda o=earlier: order_refund(order=o, reason="race", acting_user=staff),
                lambda r=round_: tier_review_run(as_of=next_month(r)),
                floor,
                lambda r=round_: checkout(shop, f"new-{r}-b", amount="1500"),
            ]
        )
        failures += [r for r in results if isinstance(r, Exception)]

    # None of these is a business refusal: every call must succeed, none may die of a lock.
    assert failures == [], failures[:3]
    assert TierReviewRun.objects.count() == ROUNDS
    assert Order.objects.filter(status=Order.Status.REFUNDED).count() == ROUNDS
    assert_ledger_consistent(WalletAccount.objects.get(member=member))
    assert_ledger_consistent(PointsAccount.objects.get(member=member))
    for someone in [member, *shop["others"]]:
        assert_unbroken_history(someone)
    kinds = set(TierChange.objects.filter(member=member).values_list("reason", flat=True))
    assert Rule.PROMOTION in kinds and Rule.FLOOR in kinds  # the race did move the member


def test_a_promotion_committed_while_the_review_runs_is_not_overwritten(shop, monkeypatch):
    """The review decides (demote from core: no orders), then, before it writes, an order
    promotes the member to seed in another thread and commits. The review's compare-and-set
    finds the member no longer in core and leaves them in seed."""
    member, others = shop["member"], shop["others"]
    basic, core, seed = shop["tiers"]
    Member.objects.filter(pk=member.pk).update(tier=core)
    decided, promoted = threading.Event(), threading.Event()
    decide = tier_review._decide_all

    def decide_then_wait(*args, **kwargs):
        result = decide(*args, **kwargs)
        decided.set()
        assert promoted.wait(30), "the promotion did not commit"
        return result

    monkeypatch.setattr(tier_review, "_decide_all", decide_then_wait)

    def promote():
        assert decided.wait(30), "the review did not decide"
        try:
            return checkout(shop, "big", amount="3500")
        finally:
            promoted.set()

    review, order = run_together(
        [lambda: tier_review_run(as_of=next_month(-1)), promote]  # orders of today: not seen
    )

    assert isinstance(review, TierReviewResult), review
    assert isinstance(order, Order), order
    member.refresh_from_db()
    assert member.tier == seed
    assert {m.member_id for m in review.moves} == {o.pk for o in others}  # seed to core
    assert review.counts["demoted"] == len(others)
    assert TierReviewRun.objects.get().demoted == len(others)
    assert not TierChange.objects.filter(member=member, review__isnull=False).exists()
    assert_unbroken_history(member)
    assert_ledger_consistent(WalletAccount.objects.get(member=member))


def test_the_review_racing_a_promotion_never_undoes_it(shop):
    """Free-running, round after round: the member is in core, a review that sees no orders
    (it demotes them) races an order that promotes them to seed. Whichever commits first,
    the member ends in seed: the review either moved them before the order (which then
    promotes from there) or finds them moved and leaves them."""
    member = shop["member"]
    _basic, core, seed = shop["tiers"]
    for round_ in range(ROUNDS):
        put_in(member, core)
        results = run_together(
            [
                lambda r=round_: tier_review_run(as_of=next_month(-2 - r)),  # sees no orders
                lambda r=round_: checkout(shop, f"up-{r}", amount="3500"),
            ]
        )
        assert not [r for r in results if isinstance(r, Exception)], results
        member.refresh_from_db()
        assert member.tier == seed, (round_, results[0].moves)
    assert TierReviewRun.objects.count() == ROUNDS
    assert_unbroken_history(member)
    assert_ledger_consistent(WalletAccount.objects.get(member=member))


def put_in(member: Member, tier) -> None:
    """Set up the next round: the member in `tier`, written to history like a manual move."""
    current = Member.objects.values_list("tier_id", flat=True).get(pk=member.pk)
    Member.objects.filter(pk=member.pk).update(tier=tier, tier_since=long_ago())
    TierChange.objects.create(
        member=member, from_tier_id=current, to_tier=tier, reason=TierChange.Reason.MANUAL
    )
