"""Every stored-value change, coupon and package posts one notice to the member's inbox,
whatever flow made it (top-up, checkout, refund, top-up refund), with the right balance."""

from decimal import Decimal

import pytest

from loyalty.flows.top_up import counter_top_up, top_up_refund
from loyalty.models import (
    CouponTemplate,
    Package,
    PackageItem,
    TopUpBonusRule,
    TopUpMethod,
    WalletAccount,
    WalletEntry,
)
from loyalty.services.checkout import PaymentSplit, checkout_order, order_refund
from loyalty.services.coupons import coupon_issue
from loyalty.services.packages import package_grant
from loyalty.services.wallet import wallet_top_up
from membership import sms
from membership.message_words import message_text
from membership.models import MemberMessage
from membership.services.messages import member_notifications_set
from membership.services.orders import OrderLineInput
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory, TierFactory
from tests.loyalty.helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db
D = Decimal
Kind = MemberMessage.Kind


def balance_notices(member) -> list[MemberMessage]:
    return list(
        MemberMessage.objects.filter(member=member, kind=Kind.BALANCE_CHANGED).order_by("id")
    )


def wallet(member) -> WalletAccount:
    return WalletAccount.objects.get(member=member)


def test_a_top_up_posts_one_notice_with_the_bonus_and_the_balance_after():
    TopUpBonusRule.objects.create(min_amount=D("500"), bonus_amount=D("50"), is_active=True)
    member = MemberFactory()
    staff = StaffFactory()

    result = counter_top_up(
        member=member, amount=D("500"), method="cash", acting_user=staff, idempotency_key="t1"
    )
    counter_top_up(  # the same request again: no second entry, no second notice
        member=member, amount=D("500"), method="cash", acting_user=staff, idempotency_key="t1"
    )

    [notice] = balance_notices(member)
    assert notice.idempotency_key == f"wallet_entry:{result.entry.pk}"
    assert notice.data["entry_kind"] == "top_up"
    assert notice.data["amount"] == "550.00" and notice.data["bonus"] == "50.00"
    assert notice.data["balance_after"] == "550.00"
    assert notice.created_at == result.entry.created_at
    assert "balance after ¥550.00" in message_text(notice, language="en").body
    assert_ledger_consistent(wallet(member))


def test_a_checkout_paid_from_stored_value_and_its_refund_each_post_one_notice():
    member = MemberFactory(tier=TierFactory(stored_value_discount_percent=D("10")))
    staff = StaffFactory()
    wallet_top_up(member=member, amount=D("200"), method=TopUpMethod.CASH, idempotency_key="s")
    order = checkout_order(
        member=member,
        store=staff.store,
        lines=[OrderLineInput(ServiceCategoryFactory(), 2, D("90"))],
        payments=PaymentSplit(stored_value=D("50"), cash=D("40")),
        acting_user=staff,
        idempotency_key="o1",
    )

    top_up, payment = balance_notices(member)
    assert payment.data["entry_kind"] == "pay"
    assert payment.data["amount"] == "-45.00"  # 50 less the tier's 10 %
    assert payment.data["balance_after"] == "155.00"
    assert payment.data["source_type"] == "order" and payment.data["source_id"] == order.number
    assert order.number in message_text(payment, language="en").body

    order_refund(order=order, reason="Stain not removed", acting_user=staff)

    *_, refund = balance_notices(member)
    assert len(balance_notices(member)) == 3
    assert refund.data["entry_kind"] == "refund"
    assert refund.data["amount"] == "45.00" and refund.data["balance_after"] == "200.00"
    assert_ledger_consistent(wallet(member))


def test_a_top_up_refund_posts_a_notice_of_the_money_taken_out():
    member = MemberFactory()
    staff = StaffFactory()
    result = wallet_top_up(member=member, amount=D("300"), method="cash", idempotency_key="t")

    top_up_refund(top_up_entry=result.entry, idempotency_key="r", acting_user=staff)

    *_, reversal = balance_notices(member)
    assert len(balance_notices(member)) == 2
    assert reversal.data["entry_kind"] == "reversal"
    assert reversal.data["amount"] == "-300.00" and reversal.data["balance_after"] == "0.00"
    assert "Top-up refunded −¥300.00" in message_text(reversal, language="en").body
    assert WalletEntry.objects.filter(account__member=member).count() == 2
    assert_ledger_consistent(wallet(member))


def test_a_notice_is_texted_after_the_top_up_commits_when_the_member_agreed(
    django_capture_on_commit_callbacks,
):
    member = MemberFactory()
    member_notifications_set(member=member, notify_by_sms=True, notify_by_email=False)

    with django_capture_on_commit_callbacks(execute=True):
        wallet_top_up(member=member, amount=D("100"), method="cash", idempotency_key="t")

    [text] = sms.outbox
    assert text.to == str(member.user.phone) and "¥100.00" in text.body
    assert_ledger_consistent(wallet(member))


def test_a_coupon_issue_posts_one_notice():
    member = MemberFactory()
    template = CouponTemplate.objects.create(
        name_zh="满200减50", name_en="50 off 200", amount_off=D("50"), min_spend=D("200")
    )

    coupon = coupon_issue(member=member, template=template, idempotency_key="c1")
    coupon_issue(member=member, template=template, idempotency_key="c1")

    [notice] = MemberMessage.objects.filter(member=member)
    assert notice.kind == Kind.COUPON_ISSUED
    assert notice.data["coupon_id"] == coupon.pk
    assert notice.data["last_day"] == coupon.last_day.isoformat()
    assert "50 off 200" in message_text(notice, language="en").body
    assert "满200减50" in message_text(notice, language="zh-hans").body


def test_a_package_grant_posts_one_notice():
    member = MemberFactory()
    package = Package.objects.create(
        code="suit-month", name_zh="西装月卡", name_en="Suit month", price=D("399")
    )
    PackageItem.objects.create(package=package, category=ServiceCategoryFactory(), quantity=4)

    granted = package_grant(member=member, package=package, idempotency_key="p1")
    package_grant(member=member, package=package, idempotency_key="p1")

    [notice] = MemberMessage.objects.filter(member=member)
    assert notice.kind == Kind.PACKAGE_GRANTED
    assert notice.data["member_package_id"] == granted.pk
    assert "Suit month" in message_text(notice, language="en").body
