"""What a member trips over on the first day: a packages page with a way back and a way to
buy, ledger lines that name their order once, Chinese labels with Chinese punctuation, and
no raw coordinates on the profile."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from loyalty.models import Entitlement, Package, PackageItem, TopUpMethod, WalletAccount
from loyalty.services.checkout import PaymentSplit, checkout_order
from loyalty.services.wallet import wallet_top_up
from membership.services.orders import OrderLineInput
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory
from tests.loyalty.helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def suit_card(db):
    suit = ServiceCategoryFactory(code="suit", name_zh="西装", name_en="Suits")
    package = Package.objects.create(
        code="suit-month", name_zh="西装月卡", name_en="Suit month card", price=D("399")
    )
    PackageItem.objects.create(package=package, category=suit, quantity=4)
    return package


def _zh(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"


def test_packages_page_leads_back_and_offers_what_is_on_sale(member_client, suit_card):
    _zh(member_client)

    html = member_client.get(reverse("customer:packages")).content.decode()

    assert f'href="{reverse("customer:wallet")}" data-testid="back"' in html
    assert 'data-package="suit-month"' in html and "西装 × 4" in html
    # No stored value yet: the way to buy goes through a top-up first.
    assert 'data-testid="top-up-first"' in html and 'data-testid="buy-package"' not in html


def test_member_buys_a_package_from_stored_value(member_client, member, suit_card):
    wallet_top_up(member=member, amount=D("500"), method=TopUpMethod.CASH, idempotency_key="t")
    page = member_client.get(reverse("customer:packages")).content.decode()
    assert 'data-testid="buy-package"' in page
    key = page.split('name="key" value="')[1].split('"')[0]
    form = {"package": "suit-month", "key": key}

    response = member_client.post(reverse("customer:packages"), form)
    again = member_client.post(reverse("customer:packages"), form)  # a double tap

    assert response.status_code == 302 and again.status_code == 302
    account = WalletAccount.objects.get(member=member)
    assert account.balance == D("101.00")  # paid once
    assert_ledger_consistent(account)
    assert Entitlement.objects.get(member=member).remaining == 4


@pytest.mark.parametrize(
    "form",
    [
        {"package": "no-such-card", "key": "k"},
        {"package": "suit-month"},
        {"package": "suit-month", "key": "k" * 500},
        {"package": "suit\x00month", "key": "k"},
    ],
)
def test_a_bad_purchase_is_refused_and_writes_nothing(member_client, member, suit_card, form):
    wallet_top_up(member=member, amount=D("500"), method=TopUpMethod.CASH, idempotency_key="t")

    response = member_client.post(reverse("customer:packages"), form)

    assert response.status_code == 400
    assert WalletAccount.objects.get(member=member).balance == D("500")
    assert not Entitlement.objects.filter(member=member).exists()


def test_not_enough_stored_value_is_a_message_not_a_payment(member_client, member, suit_card):
    wallet_top_up(member=member, amount=D("100"), method=TopUpMethod.CASH, idempotency_key="t")

    response = member_client.post(
        reverse("customer:packages"), {"package": "suit-month", "key": "k1"}
    )

    assert response.status_code == 400
    assert WalletAccount.objects.get(member=member).balance == D("100")
    assert not Entitlement.objects.filter(member=member).exists()


def test_ledger_lines_name_their_order_once_and_link_to_it(member_client, member):
    wallet_top_up(member=member, amount=D("200"), method=TopUpMethod.CASH, idempotency_key="t")
    staff = StaffFactory()
    order = checkout_order(
        member=member,
        store=staff.store,
        lines=[OrderLineInput(category=ServiceCategoryFactory(), quantity=1, amount=D("50"))],
        payments=PaymentSplit(stored_value=D("50")),
        acting_user=staff,
        idempotency_key="o",
    )
    _zh(member_client)

    for name in ("customer:points", "customer:wallet"):
        html = member_client.get(reverse(name)).content.decode()
        visible = re.sub(r'href="[^"]*"', "", html)
        assert visible.count(order.number) == 1, name
        assert f'href="{reverse("customer:order", kwargs={"number": order.number})}"' in html


def test_profile_labels_use_chinese_punctuation_and_hide_coordinates(member_client, member):
    member.latitude, member.longitude = D("31.2296"), D("121.4559")
    member.save()
    _zh(member_client)

    html = member_client.get(reverse("customer:profile")).content.decode()

    assert "{#" not in html and "#}" not in html  # template comments never leak onto the page
    assert "姓名：</label>" in html
    assert "？：" not in html and "?:" not in html
    assert not any(f"{c}:</label>" in html for c in ("姓名", "性别", "生日"))
    # The coordinates travel with the form but are never boxes to type into.
    assert 'type="hidden" name="latitude" value="31.229600"' in html
    assert 'type="text" name="latitude"' not in html and "纬度" not in html
    assert 'data-testid="use-location"' in html


def test_profile_keeps_the_coordinates_a_member_saves(member_client, member):
    data = {
        "name": "林晓雨",
        "latitude": "31.1",
        "longitude": "121.4",
        "express_preference": "never",
        "discount_sensitivity": "medium",
    }

    response = member_client.post(reverse("customer:profile"), data)

    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.latitude, member.longitude) == (D("31.1"), D("121.4"))


def test_counter_panel_shows_the_phone_in_one_format(client, staff_user):
    member = MemberFactory()
    client.force_login(staff_user)

    html = client.get(reverse("counter:member", kwargs={"number": member.number})).content.decode()

    assert f'data-testid="panel-phone">{member.user.phone.as_international}<' in html
    assert str(member.user.phone.as_e164) not in html


def test_an_empty_choice_reads_chinese_on_a_chinese_page(client, staff_user):
    member = MemberFactory()
    client.force_login(staff_user)
    _zh(client)

    html = client.get(
        reverse("counter:followup-new", kwargs={"number": member.number})
    ).content.decode()

    assert "- 请选择 -" in html and "Select an option" not in html
