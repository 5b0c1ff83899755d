"""Selling a package at the counter: cash, card or stored value, confirmed, audited, once."""

from decimal import Decimal

import pytest
from django.urls import reverse

from loyalty.flows.package_sale import package_sale_refund
from loyalty.models import (
    Entitlement,
    MemberPackage,
    Package,
    PackageItem,
    PackageSale,
    TopUpMethod,
    WalletAccount,
    WalletEntry,
)
from loyalty.services.wallet import wallet_top_up
from membership.models import MemberEvent, StaffAction
from tests.factories import (
    MemberFactory,
    OwnerFactory,
    ServiceCategoryFactory,
    StaffFactory,
    TierFactory,
)
from tests.loyalty.helpers import assert_ledger_consistent
from tests.portal.test_query_budgets import give_history

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def suit_card():
    package = Package.objects.create(
        code="suit-month", name_zh="西装月卡", name_en="Suit month card", price=D("399")
    )
    PackageItem.objects.create(package=package, category=ServiceCategoryFactory(), quantity=4)
    PackageItem.objects.create(package=package, category=ServiceCategoryFactory(), quantity=2)
    return package


@pytest.fixture
def staff_client(client):
    staff = StaffFactory()
    client.force_login(staff)
    client.staff = staff
    return client


@pytest.fixture
def buyer():
    return MemberFactory(tier=TierFactory(stored_value_discount_percent=D("10")))


def sell_url(member) -> str:
    return reverse("counter:package-sell", kwargs={"number": member.number})


def _sell(client, member, *, package="suit-month", paid_by="cash", key="k1", confirm=True):
    data = {"package": package, "paid_by": paid_by, "key": key}
    if confirm:
        data["confirm"] = "1"
    return client.post(sell_url(member), data, HTTP_ACCEPT_LANGUAGE="en")


def _nothing_written(member) -> None:
    assert not PackageSale.objects.exists()
    assert not MemberPackage.objects.filter(member=member).exists()
    assert not Entitlement.objects.filter(member=member).exists()
    assert not MemberEvent.objects.filter(member=member, kind="package_bought").exists()
    assert not StaffAction.objects.filter(action="package.sell").exists()


@pytest.mark.parametrize("paid_by", ["cash", "card"])
def test_cash_or_card_sale_grants_the_package_once_with_event_and_audit(
    staff_client, buyer, suit_card, paid_by
):
    review = _sell(staff_client, buyer, paid_by=paid_by, confirm=False)
    assert review.status_code == 200
    assert 'data-testid="package-sell-confirm"' in review.content.decode()
    assert not PackageSale.objects.exists()  # the review page writes nothing

    first = _sell(staff_client, buyer, paid_by=paid_by)
    again = _sell(staff_client, buyer, paid_by=paid_by)  # a double tap

    sale = PackageSale.objects.get()
    receipt = reverse("counter:package-sale", kwargs={"number": buyer.number, "pk": sale.pk})
    assert first.status_code == 302 and first["Location"] == receipt
    assert again.status_code == 302 and again["Location"] == receipt
    assert (sale.paid_by, sale.price, sale.amount_paid) == (paid_by, D("399.00"), D("399.00"))
    assert sale.status == "paid" and sale.acting_user == staff_client.staff
    assert sale.wallet_entry is None and not WalletEntry.objects.exists()  # no discount either
    entitlements = Entitlement.objects.filter(member=buyer)
    assert sorted(e.remaining for e in entitlements) == [2, 4]
    for entitlement in entitlements:
        assert_ledger_consistent(entitlement)
    event = MemberEvent.objects.get(member=buyer, kind="package_bought")
    assert event.data == {
        "package": "suit-month",
        "price": "399.00",
        "paid": "399.00",
        "currency": sale.currency,
        "paid_by": paid_by,
    }
    assert event.source_id == str(sale.pk)
    audit = StaffAction.objects.get(action="package.sell")
    assert (audit.actor, audit.member, audit.object_id) == (
        staff_client.staff,
        buyer,
        str(sale.pk),
    )
    html = staff_client.get(receipt, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Suit month card" in html and "¥399.00" in html


def test_stored_value_sale_takes_the_tier_discount_from_the_wallet(staff_client, buyer, suit_card):
    wallet_top_up(member=buyer, amount=D("500"), method=TopUpMethod.CASH, idempotency_key="t")

    review = _sell(staff_client, buyer, paid_by="stored_value", confirm=False)
    html = review.content.decode()
    assert 'data-testid="confirm-tier-discount"' in html and "¥359.10" in html
    assert "¥140.90" in html  # balance after
    response = _sell(staff_client, buyer, paid_by="stored_value")

    assert response.status_code == 302
    sale = PackageSale.objects.get()
    assert (sale.paid_by, sale.amount_paid) == ("stored_value", D("359.10"))
    assert sale.wallet_entry.amount == D("-359.10")
    assert sale.wallet_entry.source_id == str(sale.reference)
    account = WalletAccount.objects.get(member=buyer)
    assert account.balance == D("140.90")
    assert_ledger_consistent(account)
    for entitlement in Entitlement.objects.filter(member=buyer):
        assert_ledger_consistent(entitlement)
    event = MemberEvent.objects.get(member=buyer, kind="package_bought")
    assert (event.data["paid"], event.data["paid_by"]) == ("359.10", "stored_value")


def test_not_enough_stored_value_is_a_message_and_nothing_is_written(
    staff_client, buyer, suit_card
):
    wallet_top_up(member=buyer, amount=D("100"), method=TopUpMethod.CASH, idempotency_key="t")

    review = _sell(staff_client, buyer, paid_by="stored_value", confirm=False)
    forced = _sell(staff_client, buyer, paid_by="stored_value")  # the confirm page skipped

    assert review.status_code == 400 and forced.status_code == 400
    assert "Not enough stored value" in review.content.decode()
    assert "Not enough stored value" in forced.content.decode()
    account = WalletAccount.objects.get(member=buyer)
    assert account.balance == D("100.00")
    assert_ledger_consistent(account)
    _nothing_written(buyer)


def test_a_package_taken_off_sale_is_refused(staff_client, buyer, suit_card):
    review = _sell(staff_client, buyer, confirm=False)
    assert review.status_code == 200
    suit_card.is_active = False
    suit_card.save()

    response = _sell(staff_client, buyer)

    assert response.status_code == 400
    assert "not on sale" in response.content.decode()
    _nothing_written(buyer)


@pytest.mark.parametrize(
    "data",
    [
        {"package": "no-such-card", "paid_by": "cash", "key": "k"},
        {"package": "suit\x00month", "paid_by": "cash", "key": "k"},
        {"package": "suit-month", "paid_by": "online", "key": "k"},
        {"package": "suit-month", "paid_by": "cash\x00", "key": "k"},
        {"package": "suit-month", "paid_by": "cash", "key": "k\x00"},
        {"package": "suit-month", "paid_by": "cash", "key": "k" * 500},
        {"package": "suit-month", "paid_by": "cash"},
        {"package": "1", "paid_by": "cash", "key": "k"},
        {"package": "x" * 5000, "paid_by": "cash", "key": "k"},
    ],
)
def test_tampered_input_is_refused_with_a_message_and_writes_nothing(
    staff_client, buyer, suit_card, data
):
    response = staff_client.post(sell_url(buyer), {**data, "confirm": "1"})

    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    _nothing_written(buyer)


def test_the_same_key_for_another_member_is_refused(staff_client, buyer, suit_card):
    _sell(staff_client, buyer, key="shared")
    other = MemberFactory()

    response = _sell(staff_client, other, key="shared")

    # The key is per member: the other member gets their own sale, not the first one's.
    assert response.status_code == 302
    assert PackageSale.objects.filter(member=other).count() == 1
    assert PackageSale.objects.count() == 2


def test_receipt_of_another_members_sale_is_404(staff_client, buyer, suit_card):
    _sell(staff_client, buyer)
    sale = PackageSale.objects.get()
    other = MemberFactory()

    response = staff_client.get(
        reverse("counter:package-sale", kwargs={"number": other.number, "pk": sale.pk})
    )

    assert response.status_code == 404


def test_panel_links_to_the_sale_page(staff_client, buyer):
    html = staff_client.get(reverse("counter:member", kwargs={"number": buyer.number})).content
    assert f'href="{sell_url(buyer)}"'.encode() in html


@pytest.mark.parametrize("who", ["anonymous", "member", "other_member", "staff", "owner"])
def test_who_can_open_the_sale_pages(client, buyer, suit_card, who):
    if who == "member":
        client.force_login(buyer.user)
    elif who == "other_member":
        client.force_login(MemberFactory().user)
    elif who == "staff":
        client.force_login(StaffFactory())
    elif who == "owner":
        client.force_login(OwnerFactory())

    page = client.get(sell_url(buyer))
    sold = _sell(client, buyer)

    if who == "anonymous":
        assert page.status_code == 302 and sold.status_code == 302
        assert page["Location"].startswith(reverse("account_login"))
        assert not PackageSale.objects.exists()
    elif who in ("member", "other_member"):
        assert (page.status_code, sold.status_code) == (403, 403)
        assert not PackageSale.objects.exists()
    else:
        assert page.status_code == 200 and sold.status_code == 302
        assert PackageSale.objects.get().member == buyer


def test_owner_refunds_a_stored_value_sale(staff_client, buyer, suit_card):
    wallet_top_up(member=buyer, amount=D("500"), method=TopUpMethod.CASH, idempotency_key="t")
    _sell(staff_client, buyer, paid_by="stored_value")
    sale = PackageSale.objects.get()
    owner = OwnerFactory()

    package_sale_refund(sale=sale, acting_user=owner, reason="Changed mind", idempotency_key="r")
    again = package_sale_refund(
        sale=sale, acting_user=owner, reason="Changed mind", idempotency_key="r"
    )

    assert again.status == "refunded"
    account = WalletAccount.objects.get(member=buyer)
    assert account.balance == D("500.00")
    assert_ledger_consistent(account)
    for entitlement in Entitlement.objects.filter(member=buyer):
        assert entitlement.remaining == 0
        assert_ledger_consistent(entitlement)
    assert StaffAction.objects.filter(action="package.refund", actor=owner).count() == 1


def test_sale_pages_cost_the_same_with_a_long_history(
    staff_client, buyer, suit_card, django_assert_max_num_queries
):
    light = buyer
    heavy = MemberFactory(tier=buyer.tier)
    for member in (light, heavy):
        wallet_top_up(
            member=member, amount=D("900"), method="cash", idempotency_key=f"w{member.pk}"
        )
    give_history(heavy, size=300, staff=staff_client.staff)
    counts = []
    for member in (light, heavy):
        _sell(staff_client, member, key=f"s{member.pk}", paid_by="stored_value")
        sale = PackageSale.objects.get(member=member)
        urls = [
            ("get", sell_url(member), None),
            (
                "post",
                sell_url(member),
                {"package": "suit-month", "paid_by": "stored_value", "key": "q"},
            ),
            (
                "get",
                reverse("counter:package-sale", kwargs={"number": member.number, "pk": sale.pk}),
                None,
            ),
        ]
        staff_client.get(urls[0][1])  # settings rows created on first use
        per_page = []
        for method, url, data in urls:
            with django_assert_max_num_queries(12) as captured:
                response = (
                    getattr(staff_client, method)(url, data) if data else staff_client.get(url)
                )
            assert response.status_code == 200, url
            per_page.append(len(captured.captured_queries))
        counts.append(per_page)

    assert counts[0] == counts[1]
