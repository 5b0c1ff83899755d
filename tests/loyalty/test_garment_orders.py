"""The garment order's life: taken in, cleaning, ready, collected or delivered; paid when
taken in or on collection; counted (points, tier spend, rules) once, when it is paid."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from loyalty.engine.rules import Conditions
from loyalty.flows.garment_orders import (
    garment_order_take_in,
    order_collect_and_pay,
    order_stage_advance,
)
from loyalty.flows.reward_rules import rules_process_events
from loyalty.models import (
    MemberCoupon,
    PointsAccount,
    PointsEntry,
    TopUpMethod,
    WalletAccount,
    WalletEntry,
)
from loyalty.selectors.rule_facts import last_visit_days, member_facts
from loyalty.selectors.stats import member_rolling_stats, member_rolling_stats_one
from loyalty.services.checkout import (
    PaymentSplit,
    checkout_order,
    order_refund,
    order_void,
)
from loyalty.services.coupons import coupon_issue
from loyalty.services.wallet import wallet_top_up
from membership import sms
from membership.models import (
    MemberEvent,
    MemberMessage,
    Order,
    OrderLine,
    Referral,
    StaffAction,
)
from membership.services.orders import GarmentIntake, OrderLineInput
from tests.factories import (
    MemberFactory,
    OwnerFactory,
    ServiceCategoryFactory,
    StaffFactory,
    TierFactory,
)
from tests.loyalty.helpers import assert_ledger_consistent
from tests.loyalty.rule_helpers import coupon_template, make_rule

pytestmark = pytest.mark.django_db
D = Decimal
Stage = Order.Stage


@pytest.fixture
def shop():
    core = TierFactory(code="core", stored_value_discount_percent=D("10"), points_multiplier=D("2"))
    member = MemberFactory(tier=core, notify_by_sms=True)
    staff = StaffFactory()
    wallet_top_up(member=member, amount=D("200"), method=TopUpMethod.CASH, idempotency_key="seed")
    return {
        "member": member,
        "staff": staff,
        "store": staff.store,
        "suit": ServiceCategoryFactory(code="suit", default_price=D("45")),
        "shirt": ServiceCategoryFactory(code="shirt", default_price=D("12")),
    }


def due(days=3):
    return GarmentIntake(due_at=timezone.now() + timedelta(days=days))


def garment_lines(shop):
    return [
        OrderLineInput(
            category=shop["suit"], quantity=2, amount=D("90"), note="Wine stain, left sleeve"
        ),
        OrderLineInput(category=shop["shirt"], quantity=1, amount=D("12")),
    ]


def take_in(shop, *, key="in-1", member=None, intake=None, acting_user=None, lines=None):
    return garment_order_take_in(
        member=member or shop["member"],
        store=shop["store"],
        lines=lines or garment_lines(shop),
        intake=intake or due(),
        acting_user=acting_user or shop["staff"],
        idempotency_key=key,
    )


def to_ready(order, staff):
    order_stage_advance(order=order, to_stage=Stage.CLEANING, acting_user=staff)
    return order_stage_advance(order=order, to_stage=Stage.READY, acting_user=staff)


def collect(order, staff, **payments):
    return order_collect_and_pay(
        order=order, payments=PaymentSplit(**(payments or {"cash": D("102")})), acting_user=staff
    )


def points_entries(member, kind="earn"):
    return PointsEntry.objects.filter(account__member=member, kind=kind)


def spend(member) -> Decimal:
    stats = member_rolling_stats(
        as_of=timezone.now() + timedelta(seconds=1), months=12, member_ids=[member.pk]
    )
    return stats[member.pk].spend(months=12) if member.pk in stats else D("0")


def completed_events(member):
    return MemberEvent.objects.filter(member=member, kind=MemberEvent.Kind.ORDER_COMPLETED)


# --- taken in, to be paid on collection ------------------------------------------------------


def test_clothes_taken_in_unpaid_count_for_nothing_yet(shop):
    member = shop["member"]
    order = take_in(shop)

    assert order.status == Order.Status.UNPAID and order.stage == Stage.RECEIVED
    assert order.payment_timing == Order.PaymentTiming.ON_COLLECTION
    assert order.subtotal == order.total == order.points_earned == 0
    assert order.received_at is not None and order.due_at is not None
    notes = dict(OrderLine.objects.filter(order=order).values_list("category__code", "note"))
    assert notes == {"suit": "Wine stain, left sleeve", "shirt": ""}
    assert order.lines_total == D("102.00")
    # nothing counts: no points, no spend, no ORDER_COMPLETED, no first visit
    assert not points_entries(member).exists()
    assert spend(member) == 0
    assert not completed_events(member).exists()
    member.refresh_from_db()
    assert member.first_visit_at is None
    audit = StaffAction.objects.get(action="order.take_in")
    assert audit.object_id == order.number and audit.details["amount"] == "102.00"


def test_the_same_intake_form_twice_takes_the_clothes_in_once(shop):
    first = take_in(shop, key="same")
    again = take_in(shop, key="same")
    assert first.pk == again.pk
    assert Order.objects.count() == 1
    assert StaffAction.objects.filter(action="order.take_in").count() == 1


@pytest.mark.parametrize(
    ("days", "message"),
    [(-1, "cannot be in the past"), (91, "within 90 days")],
)
def test_a_due_date_in_the_past_or_too_far_is_refused_and_nothing_written(shop, days, message):
    with pytest.raises(ValidationError, match=message):
        take_in(shop, intake=due(days))
    assert not Order.objects.exists() and not StaffAction.objects.exists()


def test_an_overlong_item_note_is_refused(shop):
    lines = [OrderLineInput(category=shop["suit"], quantity=1, amount=D("45"), note="x" * 256)]
    with pytest.raises(ValidationError, match="under 255 characters"):
        take_in(shop, lines=lines)
    assert not Order.objects.exists()


# --- stages --------------------------------------------------------------------------------


def test_stages_move_forward_and_ready_tells_the_member_once(
    shop, django_capture_on_commit_callbacks
):
    order = take_in(shop)
    staff = shop["staff"]
    with django_capture_on_commit_callbacks(execute=True):
        order_stage_advance(order=order, to_stage=Stage.CLEANING, acting_user=staff)
        order_stage_advance(order=order, to_stage=Stage.READY, acting_user=staff)
        # a double tap on "ready", then back to cleaning and ready again: one message
        order_stage_advance(order=order, to_stage=Stage.READY, acting_user=staff)
        order_stage_advance(order=order, to_stage=Stage.CLEANING, acting_user=staff)
        order_stage_advance(order=order, to_stage=Stage.READY, acting_user=staff)

    order.refresh_from_db()
    assert order.stage == Stage.READY and order.ready_at is not None
    message = MemberMessage.objects.get(member=shop["member"], kind="order_ready")
    assert message.data["order"] == order.number and message.data["to_pay"] == "102.00"
    # a service notice: texted because the member agreed to service notices by SMS
    assert len(sms.outbox) == 1
    assert order.number in sms.outbox[0].body and "102" in sms.outbox[0].body
    moves = StaffAction.objects.filter(action="order.stage").order_by("pk")
    assert [(a.details["from"], a.details["to"]) for a in moves] == [
        ("received", "cleaning"),
        ("cleaning", "ready"),
        ("ready", "cleaning"),
        ("cleaning", "ready"),
    ]


def test_no_text_without_consent_but_the_inbox_has_it(shop, django_capture_on_commit_callbacks):
    member = MemberFactory(notify_by_sms=False)
    order = take_in(shop, member=member)
    with django_capture_on_commit_callbacks(execute=True):
        to_ready(order, shop["staff"])
    assert MemberMessage.objects.filter(member=member, kind="order_ready").count() == 1
    assert sms.outbox == []


@pytest.mark.parametrize(
    ("start", "to", "message"),
    [
        ("received", "collected", "not paid yet"),
        ("cleaning", "received", "cannot be moved to received"),
        ("ready", "received", "cannot be moved to received"),
        ("received", "nonsense", "Unknown order stage"),
    ],
)
def test_a_move_that_is_not_allowed_is_refused_and_writes_nothing(shop, start, to, message):
    order = take_in(shop)
    Order.objects.filter(pk=order.pk).update(stage=start)
    order.refresh_from_db()
    audits = StaffAction.objects.count()
    with pytest.raises(ValidationError, match=message):
        order_stage_advance(order=order, to_stage=to, acting_user=shop["staff"])
    order.refresh_from_db()
    assert order.stage == start
    assert StaffAction.objects.count() == audits
    assert not MemberMessage.objects.filter(kind="order_ready").exists()


def test_an_instant_sale_is_collected_at_once_and_cannot_move(shop):
    sale = checkout_order(
        member=shop["member"],
        store=shop["store"],
        lines=garment_lines(shop),
        payments=PaymentSplit(cash=D("102")),
        acting_user=shop["staff"],
        idempotency_key="instant",
    )
    assert sale.stage == Stage.COLLECTED and sale.received_at is None
    with pytest.raises(ValidationError, match="collected: it cannot be moved"):
        order_stage_advance(order=sale, to_stage=Stage.CLEANING, acting_user=shop["staff"])


def test_staff_of_another_store_cannot_move_or_collect_but_the_owner_can(shop):
    order = take_in(shop)
    elsewhere = StaffFactory()
    with pytest.raises(ValidationError, match="Only staff of the store"):
        order_stage_advance(order=order, to_stage=Stage.CLEANING, acting_user=elsewhere)
    order_stage_advance(order=order, to_stage=Stage.READY, acting_user=shop["staff"])
    with pytest.raises(ValidationError, match="Only staff of the store"):
        collect(order, elsewhere)
    order.refresh_from_db()
    assert order.status == Order.Status.UNPAID and order.stage == Stage.READY

    result = collect(order, OwnerFactory())
    assert result.settled_now and result.order.stage == Stage.COLLECTED


# --- paid on collection: counted once, at payment ------------------------------------------


def test_paid_on_collection_earns_points_and_tier_spend_once_even_when_tapped_twice(shop):
    member, staff = shop["member"], shop["staff"]
    order = take_in(shop)
    taken_in_at = order.created_at
    to_ready(order, staff)

    first = collect(order, staff, stored_value=D("102"))
    again = collect(order, staff, cash=D("102"))

    assert first.settled_now and not again.settled_now
    paid = Order.objects.get(pk=order.pk)
    assert paid.status == Order.Status.COMPLETED and paid.stage == Stage.COLLECTED
    assert paid.handed_over_at is not None and paid.created_at > taken_in_at
    assert paid.received_at == taken_in_at
    # priced and paid as a counter checkout: Core pays 10% less from stored value, 2x points
    assert paid.subtotal == D("102.00") and paid.tier_discount == D("10.20")
    assert paid.wallet_amount == D("91.80") and paid.cash_amount == 0
    assert paid.points_earned == 183  # 91.80 paid, 1 point a unit, Core's 2x
    assert list(points_entries(member).values_list("amount", flat=True)) == [183]
    assert WalletEntry.objects.filter(account__member=member, kind="pay").count() == 1
    assert completed_events(member).count() == 1
    assert spend(member) == D("91.80")
    member.refresh_from_db()
    assert member.first_visit_at == paid.created_at
    assert StaffAction.objects.filter(action="order.collect").count() == 1
    assert_ledger_consistent(WalletAccount.objects.get(member=member))
    assert_ledger_consistent(PointsAccount.objects.get(member=member))


def test_delivered_and_paid_on_delivery(shop):
    order = take_in(shop)
    to_ready(order, shop["staff"])
    result = order_collect_and_pay(
        order=order,
        payments=PaymentSplit(card=D("102")),
        hand_over=Stage.DELIVERED,
        acting_user=shop["staff"],
    )
    assert result.order.stage == Stage.DELIVERED and result.order.card_amount == D("102.00")


def test_paid_on_receipt_earns_at_intake_and_collection_adds_nothing(shop):
    member, staff = shop["member"], shop["staff"]
    order = checkout_order(
        member=member,
        store=shop["store"],
        lines=garment_lines(shop),
        payments=PaymentSplit(cash=D("102")),
        acting_user=staff,
        idempotency_key="paid-now",
        intake=due(),
    )
    assert order.status == Order.Status.COMPLETED and order.stage == Stage.RECEIVED
    assert order.points_earned == 204
    to_ready(order, staff)
    with pytest.raises(ValidationError, match="already paid"):
        collect(order, staff)
    order_stage_advance(order=order, to_stage=Stage.COLLECTED, acting_user=staff)
    order.refresh_from_db()
    assert order.stage == Stage.COLLECTED and order.handed_over_at is not None
    assert points_entries(member).count() == 1 and completed_events(member).count() == 1
    assert spend(member) == D("102.00")


def test_collection_refuses_clothes_not_ready_and_wrong_payments_write_nothing(shop):
    member = MemberFactory()  # no stored value
    order = take_in(shop, member=member)
    with pytest.raises(ValidationError, match="mark it ready"):
        collect(order, shop["staff"])
    to_ready(order, shop["staff"])
    with pytest.raises(ValidationError, match="must add up"):
        collect(order, shop["staff"], cash=D("100"))
    with pytest.raises(ValidationError, match="Not enough stored value"):
        collect(order, shop["staff"], stored_value=D("102"))
    order.refresh_from_db()
    assert order.status == Order.Status.UNPAID and order.stage == Stage.READY
    assert not points_entries(member).exists()
    assert not StaffAction.objects.filter(action="order.collect").exists()


def test_collection_takes_a_coupon_through_the_checkout_code(shop):
    member, staff = shop["member"], shop["staff"]
    template = coupon_template("20", min_spend=D("50"))
    coupon = coupon_issue(member=member, template=template, idempotency_key="c1")
    order = take_in(shop)
    to_ready(order, staff)
    result = order_collect_and_pay(
        order=order, payments=PaymentSplit(cash=D("82")), coupon=coupon, acting_user=staff
    )
    paid = result.order
    assert paid.coupon_discount == D("20.00") and paid.total == D("82.00")
    assert MemberCoupon.objects.get(pk=coupon.pk).status == MemberCoupon.Status.REDEEMED


def test_void_of_an_unpaid_order_moves_nothing_and_a_refund_is_refused(shop):
    order = take_in(shop)
    with pytest.raises(ValidationError, match="nothing to refund"):
        order_refund(order=order, reason="changed mind", acting_user=shop["staff"])
    voided = order_void(order=order, reason="Member took the coat back", acting_user=shop["staff"])
    assert voided.status == Order.Status.VOIDED
    assert not MemberEvent.objects.filter(member=shop["member"], kind="order_voided").exists()
    assert StaffAction.objects.get(action="order.voided").details["unpaid"] is True
    assert WalletEntry.objects.filter(account__member=shop["member"]).count() == 1  # the seed
    with pytest.raises(ValidationError, match="voided: its stage cannot change"):
        order_stage_advance(order=voided, to_stage=Stage.CLEANING, acting_user=shop["staff"])
    with pytest.raises(ValidationError, match="cannot be collected"):
        collect(voided, shop["staff"])


def test_a_referral_qualifies_when_the_first_order_is_paid_not_when_taken_in(shop):
    friend = MemberFactory()
    newcomer = MemberFactory()
    Referral.objects.create(referrer=friend, referred=newcomer, phone_hash="h" * 64)
    order = take_in(shop, member=newcomer)
    assert Referral.objects.get(referred=newcomer).qualified_at is None
    to_ready(order, shop["staff"])
    collect(order, shop["staff"])
    assert Referral.objects.get(referred=newcomer).qualified_at is not None


def test_a_first_order_rule_rewards_the_unpaid_order_when_it_is_paid(shop):
    make_rule("first_order", period="ever")
    newcomer = MemberFactory()
    order = take_in(shop, member=newcomer)
    assert rules_process_events() == 0
    to_ready(order, shop["staff"])
    collect(order, shop["staff"])
    assert rules_process_events() == 1
    assert MemberCoupon.objects.filter(member=newcomer).count() == 1


def test_the_selectors_of_spend_and_visits_skip_unpaid_orders_and_count_them_once_paid(shop):
    order = take_in(shop)
    member = shop["member"]
    today = timezone.localdate()
    conditions = Conditions(spend_window="this_month", min_days_since_visit=30)

    def facts():
        return member_facts([member.pk], conditions=conditions, today=today)[member.pk]

    def one():
        return member_rolling_stats_one(
            member_id=member.pk, as_of=timezone.now() + timedelta(seconds=1), months=12
        )

    assert (facts().window_spend, facts().window_orders, facts().last_visit) == (0, 0, None)
    assert last_visit_days([member.pk]) == {}
    assert one().orders(months=12) == 0

    to_ready(order, shop["staff"])
    collect(order, shop["staff"])
    assert (facts().window_spend, facts().window_orders) == (D("102.00"), 1)
    assert last_visit_days([member.pk]) == {member.pk: today}
    assert one().orders(months=12) == 1 and one().spend(months=12) == D("102.00")
