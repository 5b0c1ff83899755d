from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from loyalty.flows.top_up import top_up_refund, top_up_with_bonus
from loyalty.models import (
    Entitlement,
    LoyaltySettings,
    MemberPackage,
    Package,
    PackageItem,
    PointsAccount,
    PointsEntry,
    TopUpBonusRule,
    WalletAccount,
    WalletEntry,
)
from loyalty.services.points import points_earn, points_redeem
from loyalty.services.wallet import wallet_pay, wallet_refund, wallet_top_up, wallet_top_up_refund
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory, TierFactory
from tests.loyalty.helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db


def _wallet(member) -> WalletAccount:
    return WalletAccount.objects.get(member=member)


def _entry_count() -> int:
    return WalletEntry.objects.count() + PointsEntry.objects.count()


def test_top_up_applies_the_best_matching_bonus_rule_and_keeps_bonus_apart():
    TopUpBonusRule.objects.create(
        name="100+20", min_amount=Decimal("100"), bonus_amount=Decimal("20")
    )
    TopUpBonusRule.objects.create(
        name="300+70", min_amount=Decimal("300"), bonus_amount=Decimal("70")
    )
    member = MemberFactory()
    staff = StaffFactory()

    result = wallet_top_up(
        member=member, amount=Decimal("350"), method="cash", idempotency_key="t1", acting_user=staff
    )

    assert result.bonus == Decimal("70")
    entry = result.entry
    assert (entry.principal_amount, entry.bonus_amount, entry.amount) == (
        Decimal("350.00"),
        Decimal("70.00"),
        Decimal("420.00"),
    )
    assert entry.method == "cash" and entry.acting_user == staff
    wallet = _wallet(member)
    assert (wallet.principal, wallet.bonus) == (Decimal("350.00"), Decimal("70.00"))
    assert_ledger_consistent(wallet)


def test_top_up_of_500_grants_a_package_of_three_shoe_cleanings():
    shoes = ServiceCategoryFactory(code="kids-shoes")
    package = Package.objects.create(code="shoes3", name_zh="童鞋清洗3次", price=Decimal("0"))
    PackageItem.objects.create(package=package, category=shoes, quantity=3)
    TopUpBonusRule.objects.create(name="500 → shoes", min_amount=Decimal("500"), package=package)
    member = MemberFactory()

    result = top_up_with_bonus(
        member=member, amount="500", method="card_terminal", idempotency_key="t500"
    )
    retry = top_up_with_bonus(
        member=member, amount="500", method="card_terminal", idempotency_key="t500"
    )

    assert result.member_package is not None and retry.member_package == result.member_package
    entitlement = Entitlement.objects.get(member=member, category=shoes)
    assert (entitlement.granted, entitlement.remaining) == (3, 3)
    assert MemberPackage.objects.count() == 1 and WalletEntry.objects.count() == 1
    assert_ledger_consistent(entitlement)


def test_pay_applies_the_tier_discount_and_reports_the_parts():
    member = MemberFactory(tier=TierFactory(stored_value_discount_percent=Decimal("10")))
    TopUpBonusRule.objects.create(
        name="100+25", min_amount=Decimal("100"), bonus_amount=Decimal("25")
    )
    wallet_top_up(member=member, amount="100", method="cash", idempotency_key="t")

    result = wallet_pay(
        member=member,
        amount=Decimal("50"),
        idempotency_key="p1",
        source_type="order",
        source_id="O1",
    )

    assert (result.list_price, result.discount, result.charged) == (
        Decimal("50.00"),
        Decimal("5.00"),
        Decimal("45.00"),
    )
    # 100 principal : 25 bonus → the 45 is taken 36 : 9
    assert (result.principal_part, result.bonus_part) == (Decimal("36.00"), Decimal("9.00"))
    assert result.entry.source_id == "O1"
    assert _wallet(member).balance == Decimal("80.00")
    assert_ledger_consistent(_wallet(member))


def test_pay_retry_with_same_key_returns_the_first_result_and_writes_nothing():
    member = MemberFactory()
    wallet_top_up(member=member, amount="100", method="cash", idempotency_key="t")
    first = wallet_pay(member=member, amount="30", idempotency_key="order-7")

    again = wallet_pay(member=member, amount="30", idempotency_key="order-7")

    assert again == first
    assert WalletEntry.objects.count() == 2
    assert _wallet(member).balance == Decimal("70.00")


def test_key_reused_for_another_operation_is_refused():
    member = MemberFactory()
    wallet_top_up(member=member, amount="100", method="cash", idempotency_key="k")

    with pytest.raises(ValidationError, match="already used for a different operation"):
        wallet_pay(member=member, amount="30", idempotency_key="k")


def test_refunding_a_payment_gives_back_principal_and_bonus_in_the_paid_shares():
    member = MemberFactory()
    TopUpBonusRule.objects.create(
        name="100+25", min_amount=Decimal("100"), bonus_amount=Decimal("25")
    )
    wallet_top_up(member=member, amount="100", method="cash", idempotency_key="t")
    payment = wallet_pay(member=member, amount="45", idempotency_key="p").entry

    partial = wallet_refund(payment_entry=payment, amount="15", idempotency_key="r1")
    rest = wallet_refund(payment_entry=payment, idempotency_key="r2")

    assert (partial.principal_amount, partial.bonus_amount) == (Decimal("12.00"), Decimal("3.00"))
    assert (rest.principal_amount, rest.bonus_amount) == (Decimal("24.00"), Decimal("6.00"))
    wallet = _wallet(member)
    assert (wallet.principal, wallet.bonus) == (Decimal("100.00"), Decimal("25.00"))
    with pytest.raises(ValidationError, match="already refunded"):
        wallet_refund(payment_entry=payment, idempotency_key="r3")
    assert_ledger_consistent(wallet)


def test_the_wallet_alone_credits_the_bonus_money_and_leaves_the_package_to_the_flow():
    shoes = ServiceCategoryFactory()
    package = Package.objects.create(code="p", name_zh="包", price=Decimal("0"))
    PackageItem.objects.create(package=package, category=shoes, quantity=3)
    TopUpBonusRule.objects.create(
        name="500", min_amount=Decimal("500"), bonus_amount=Decimal("50"), package=package
    )
    member = MemberFactory()

    first = wallet_top_up(member=member, amount="500", method="cash", idempotency_key="t")
    retry = wallet_top_up(member=member, amount="500", method="cash", idempotency_key="t")

    assert (first.bonus, first.bonus_package_id, first.replayed) == (
        Decimal("50"),
        package.pk,
        False,
    )
    assert (retry.entry, retry.bonus_package_id, retry.replayed) == (first.entry, None, True)
    assert not MemberPackage.objects.exists()
    assert _wallet(member).balance == Decimal("550.00")
    half = wallet_top_up_refund(top_up_entry=first.entry, amount="250", idempotency_key="r1")
    rest = wallet_top_up_refund(top_up_entry=first.entry, idempotency_key="r2")
    rest_again = wallet_top_up_refund(top_up_entry=first.entry, idempotency_key="r2")
    assert [r.completes_refund for r in (half, rest, rest_again)] == [False, True, False]
    assert rest_again.entry == rest.entry
    assert_ledger_consistent(_wallet(member))


def test_top_up_refund_takes_back_bonus_in_proportion():
    member = MemberFactory()
    TopUpBonusRule.objects.create(
        name="100+20", min_amount=Decimal("100"), bonus_amount=Decimal("20")
    )
    top_up = wallet_top_up(member=member, amount="100", method="cash", idempotency_key="t").entry

    half = wallet_top_up_refund(top_up_entry=top_up, amount="50", idempotency_key="tr1").entry

    assert (half.principal_amount, half.bonus_amount, half.list_amount) == (
        Decimal("-50.00"),
        Decimal("-10.00"),
        Decimal("50.00"),
    )
    rest = wallet_top_up_refund(top_up_entry=top_up, idempotency_key="tr2").entry
    assert (rest.principal_amount, rest.bonus_amount) == (Decimal("-50.00"), Decimal("-10.00"))
    assert _wallet(member).balance == Decimal("0.00")
    assert_ledger_consistent(_wallet(member))


def test_top_up_refund_deducts_bonus_already_spent_from_the_money_paid_back():
    member = MemberFactory()
    TopUpBonusRule.objects.create(
        name="100+20", min_amount=Decimal("100"), bonus_amount=Decimal("20")
    )
    top_up = wallet_top_up(member=member, amount="100", method="cash", idempotency_key="t").entry
    wallet_pay(member=member, amount="60", idempotency_key="p")  # 50 principal + 10 bonus

    with pytest.raises(ValidationError, match="left in the wallet to refund"):
        wallet_top_up_refund(top_up_entry=top_up, idempotency_key="tr")
    entry = wallet_top_up_refund(top_up_entry=top_up, amount="40", idempotency_key="tr2").entry

    # bonus due 8, only 10 bonus held → 8 from bonus; 40 paid back from principal
    assert (entry.principal_amount, entry.bonus_amount) == (Decimal("-40.00"), Decimal("-8.00"))
    assert_ledger_consistent(_wallet(member))


def test_full_top_up_refund_withdraws_the_unused_bonus_package():
    shoes = ServiceCategoryFactory()
    package = Package.objects.create(code="p", name_zh="包", price=Decimal("0"))
    PackageItem.objects.create(package=package, category=shoes, quantity=3)
    TopUpBonusRule.objects.create(name="500", min_amount=Decimal("500"), package=package)
    member = MemberFactory()
    top_up = top_up_with_bonus(
        member=member, amount="500", method="cash", idempotency_key="t"
    ).entry

    top_up_refund(top_up_entry=top_up, idempotency_key="tr")

    entitlement = Entitlement.objects.get(member=member)
    assert entitlement.remaining == 0
    assert_ledger_consistent(entitlement)


# --- Bad input: a clear message and nothing written ------------------------------------


@pytest.fixture
def funded_member():
    member = MemberFactory()
    wallet_top_up(member=member, amount="10", method="cash", idempotency_key="seed-top-up")
    points_earn(member=member, base_amount=Decimal("20"), idempotency_key="seed-points")
    return member


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda m: wallet_top_up(member=m, amount="0", method="cash", idempotency_key="x"),
            "greater than zero",
        ),
        (
            lambda m: wallet_top_up(member=m, amount="-5", method="cash", idempotency_key="x"),
            "greater than zero",
        ),
        (
            lambda m: wallet_top_up(member=m, amount="abc", method="cash", idempotency_key="x"),
            "as a number",
        ),
        (
            lambda m: wallet_top_up(member=m, amount="NaN", method="cash", idempotency_key="x"),
            "as a number",
        ),
        (
            lambda m: wallet_top_up(member=m, amount="", method="cash", idempotency_key="x"),
            "as a number",
        ),
        (
            lambda m: wallet_top_up(member=m, amount="10.001", method="cash", idempotency_key="x"),
            "at most 2 decimal places",
        ),
        (
            lambda m: wallet_top_up(member=m, amount="5000.01", method="cash", idempotency_key="x"),
            "at most 5000",
        ),
        (
            lambda m: wallet_top_up(member=m, amount="50", method="bitcoin", idempotency_key="x"),
            "how the top-up was paid",
        ),
        (
            lambda m: wallet_top_up(member=m, amount="50", method="cash", idempotency_key=""),
            "request key",
        ),
        (lambda m: wallet_pay(member=m, amount="0", idempotency_key="x"), "greater than zero"),
        (lambda m: wallet_pay(member=m, amount="-1", idempotency_key="x"), "greater than zero"),
        (lambda m: wallet_pay(member=m, amount="1.5.0", idempotency_key="x"), "as a number"),
        (
            lambda m: wallet_pay(member=m, amount="1.234", idempotency_key="x"),
            "at most 2 decimal places",
        ),
        (
            lambda m: wallet_pay(member=m, amount="10.01", idempotency_key="x"),
            "Not enough stored value",
        ),
        (lambda m: points_redeem(member=m, points=21, idempotency_key="x"), "at most 20 points"),
        (lambda m: points_redeem(member=m, points=0, idempotency_key="x"), "greater than zero"),
        (lambda m: points_redeem(member=m, points=-3, idempotency_key="x"), "greater than zero"),
        (lambda m: points_redeem(member=m, points="1.5", idempotency_key="x"), "whole number"),
        (lambda m: points_redeem(member=m, points="ten", idempotency_key="x"), "whole number"),
        (
            lambda m: points_earn(member=m, base_amount="-1", idempotency_key="x"),
            "greater than zero",
        ),
        (lambda m: points_earn(member=m, base_amount="x", idempotency_key="x"), "as a number"),
    ],
)
def test_bad_input_gets_a_clear_message_and_writes_nothing(funded_member, call, message):
    before = _entry_count()
    wallet = _wallet(funded_member)

    with pytest.raises(ValidationError) as error:
        call(funded_member)

    assert message in " ".join(error.value.messages)
    assert _entry_count() == before
    wallet.refresh_from_db()
    assert wallet.balance == Decimal("10.00")
    assert PointsAccount.objects.get(member=funded_member).balance == 20
    assert_ledger_consistent(wallet)


def test_owner_maximum_comes_from_the_loyalty_settings():
    row = LoyaltySettings.load()
    row.top_up_maximum = Decimal("300")
    row.save()
    member = MemberFactory()

    with pytest.raises(ValidationError, match="at most 300"):
        wallet_top_up(member=member, amount="300.01", method="cash", idempotency_key="x")
    assert wallet_top_up(member=member, amount="300", method="cash", idempotency_key="y").entry


def test_entries_refuse_update_and_delete():
    from membership.models.append_only import AppendOnlyError

    member = MemberFactory()
    entry = wallet_top_up(member=member, amount="10", method="cash", idempotency_key="t").entry

    entry.reason = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        WalletEntry.objects.filter(pk=entry.pk).update(reason="x")
    with pytest.raises(AppendOnlyError):
        WalletEntry.objects.all().delete()


def test_database_refuses_negative_balances_and_zero_entries():
    from django.db import IntegrityError, transaction

    member = MemberFactory()
    account = WalletAccount.objects.create(member=member)
    with pytest.raises(IntegrityError), transaction.atomic():
        WalletAccount.objects.filter(pk=account.pk).update(principal=Decimal("-1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        WalletEntry.objects.create(
            account=account,
            currency="CNY",
            amount=Decimal("0"),
            principal_amount=Decimal("0"),
            bonus_amount=Decimal("0"),
            balance_after=Decimal("0"),
            kind="adjust",
            idempotency_key="zero",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        WalletEntry.objects.create(
            account=account,
            currency="CNY",
            amount=Decimal("5"),
            principal_amount=Decimal("1"),
            bonus_amount=Decimal("1"),
            balance_after=Decimal("5"),
            kind="adjust",
            idempotency_key="parts",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        WalletAccount.objects.create(member=member)
