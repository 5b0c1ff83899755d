"""What the owner types for packages, top-up bonuses, coupons and the loyalty settings: the
model refuses negative money, zero counts and zero durations with a message, the database
refuses them even past the model, and /cms/ shows the message."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from loyalty.models import CouponTemplate, LoyaltySettings, Package, PackageItem, TopUpBonusRule
from tests.factories import ServiceCategoryFactory

pytestmark = pytest.mark.django_db


def package():
    return Package.objects.create(code="suit-month", name_zh="西装月卡", price=Decimal("399"))


def package_item():
    return PackageItem.objects.create(
        package=package(), category=ServiceCategoryFactory(), quantity=4
    )


def bonus_rule():
    return TopUpBonusRule.objects.create(
        name="500+50", min_amount=Decimal("500"), bonus_amount=Decimal("50")
    )


def coupon_template():
    return CouponTemplate.objects.create(name_zh="满百减十", amount_off=Decimal("10"))


def loyalty_settings():
    return LoyaltySettings.load()


REFUSED = [
    (package, "price", Decimal("-1")),
    (package, "validity_days", 0),
    (package_item, "quantity", 0),
    (bonus_rule, "min_amount", Decimal("0")),
    (bonus_rule, "bonus_amount", Decimal("-0.01")),
    (coupon_template, "amount_off", Decimal("0")),
    (coupon_template, "min_spend", Decimal("-10")),
    (coupon_template, "valid_days", 0),
    (loyalty_settings, "points_per_currency_unit", Decimal("-1")),
    (loyalty_settings, "points_expiry_months", 0),
    (loyalty_settings, "top_up_maximum", Decimal("0")),
]


def _id(case):
    return f"{case[0].__name__}.{case[1]}={case[2]}"


@pytest.mark.parametrize("case", REFUSED, ids=_id)
def test_the_model_refuses_the_value_with_a_message_on_the_field(case):
    make, field, value = case
    instance = make()
    instance.full_clean()  # the starting point is valid

    setattr(instance, field, value)
    with pytest.raises(ValidationError) as refused:
        instance.full_clean()

    assert field in refused.value.message_dict


@pytest.mark.parametrize("case", REFUSED, ids=_id)
def test_the_database_refuses_the_value_even_past_the_model(case):
    make, field, value = case
    instance = make()

    with pytest.raises(IntegrityError), transaction.atomic():
        type(instance).objects.filter(pk=instance.pk).update(**{field: value})

    instance.refresh_from_db()
    assert getattr(instance, field) != value


def test_a_package_without_an_expiry_is_still_allowed():
    item = package()
    item.validity_days = None
    item.full_clean()
    item.save()

    assert Package.objects.get(pk=item.pk).validity_days is None


def test_cms_refuses_a_negative_package_price(client, owner_user):
    category = ServiceCategoryFactory()
    client.force_login(owner_user)

    response = client.post(
        "/cms/snippets/loyalty/package/add/",
        {
            "name_zh": "西装月卡",
            "name_en": "",
            "code": "suit-month",
            "price": "-399",
            "validity_days": "0",
            "is_active": "on",
            "sort_order": "0",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "1",
            "items-MAX_NUM_FORMS": "1000",
            "items-0-category": str(category.pk),
            "items-0-quantity": "4",
            "items-0-id": "",
            "items-0-ORDER": "1",
            "items-0-DELETE": "",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "price": ["Ensure this value is greater than or equal to 0."],
        "validity_days": ["Ensure this value is greater than or equal to 1."],
    }
    assert not Package.objects.exists()


def test_cms_refuses_points_that_never_expire_by_a_zero_month_count(client, owner_user):
    row = LoyaltySettings.load()
    client.force_login(owner_user)

    response = client.post(
        f"/cms/settings/loyalty/loyaltysettings/{row.pk}/",
        {
            "points_per_currency_unit": "-2",
            "points_expiry_policy": "months",
            "points_expiry_months": "0",
            "points_warning_days": "15",
            "top_up_amount_choices": "100",
            "top_up_maximum": "1000",
            "pay_by_card": "on",
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["points_per_currency_unit"] == ["确保该值大于或等于0。"]
    assert errors["points_expiry_months"] == ["确保该值大于或等于1。"]
    assert LoyaltySettings.load().points_per_currency_unit == row.points_per_currency_unit
