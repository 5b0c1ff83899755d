"""One bound on money per order, enforced in the services so no caller can overflow points."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from loyalty.models import LoyaltySettings, PointsAccount
from membership.models import Order
from membership.services.orders import OrderLineInput, order_record
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory, TierFactory
from tests.loyalty.helpers import cash_order

pytestmark = pytest.mark.django_db


def test_a_cash_order_of_ten_billion_is_refused_with_a_message_and_writes_nothing():
    member = MemberFactory(tier=TierFactory(points_multiplier=Decimal("2")))

    with pytest.raises(ValidationError, match="One order can be at most"):
        cash_order(member, StaffFactory(), key="big", amount="9999999999.99")

    assert Order.objects.count() == 0
    assert not PointsAccount.objects.filter(member=member).exists()


@override_settings(PORTAL_MAX_ORDER_AMOUNT="500")
def test_the_bound_is_a_setting_and_holds_for_order_record_too():
    member, staff = MemberFactory(), StaffFactory()
    line = OrderLineInput(category=ServiceCategoryFactory(), quantity=1, amount=Decimal("500.01"))

    with pytest.raises(ValidationError, match="One order can be at most"):
        order_record(member=member, store=staff.store, lines=[line])
    order = cash_order(member, staff, key="at-bound", amount="500.00")

    assert order.total == Decimal("500.00")


def test_a_generous_points_rule_lowers_the_bound_so_points_always_fit():
    settings_row = LoyaltySettings.load()
    settings_row.points_per_currency_unit = Decimal("100")
    settings_row.save()
    member = MemberFactory(tier=TierFactory(points_multiplier=Decimal("99.99")))
    staff = StaffFactory()

    with pytest.raises(ValidationError, match="One order can be at most"):
        cash_order(member, staff, key="big", amount="900000.00")
    order = cash_order(member, staff, key="fits", amount="200000.00")

    assert 0 < order.points_earned < 2**31
