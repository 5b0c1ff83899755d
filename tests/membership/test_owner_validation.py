"""What the owner types for tiers, stores and service categories: the model refuses nonsense
(negative prices and thresholds, percents over 100, impossible coordinates) with a message,
the database refuses it even past the model, and /cms/ shows the message in both languages."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from membership.models import ServiceCategory, Store, Tier
from tests.factories import ServiceCategoryFactory, StoreFactory, TierFactory
from tests.portal.test_owner_admin import form_as_posted

pytestmark = pytest.mark.django_db

# (factory, field, a value the owner must not be able to save)
REFUSED = [
    (ServiceCategoryFactory, "default_price", Decimal("-0.01")),
    (TierFactory, "min_spend", Decimal("-1")),
    (TierFactory, "window_months", 0),
    (TierFactory, "target_share_percent", Decimal("-1")),
    (TierFactory, "target_share_percent", Decimal("100.01")),
    (TierFactory, "stored_value_discount_percent", Decimal("-5")),
    (TierFactory, "stored_value_discount_percent", Decimal("101")),
    (TierFactory, "points_multiplier", Decimal("-0.5")),
    (TierFactory, "min_spend_per_recent_month", Decimal("-1")),
    (TierFactory, "frequency_drop_percent", 101),
    (StoreFactory, "service_radius_km", Decimal("-1")),
    (StoreFactory, "latitude", Decimal("90.5")),
    (StoreFactory, "latitude", Decimal("-91")),
    (StoreFactory, "longitude", Decimal("180.000001")),
    (StoreFactory, "longitude", Decimal("-200")),
]
# The edges that must stay allowed.
ALLOWED = [
    (ServiceCategoryFactory, "default_price", Decimal("0")),
    (TierFactory, "min_spend", Decimal("0")),
    (TierFactory, "window_months", 1),
    (TierFactory, "target_share_percent", Decimal("100")),
    (TierFactory, "stored_value_discount_percent", Decimal("0")),
    (TierFactory, "points_multiplier", Decimal("0")),
    (StoreFactory, "latitude", Decimal("-90")),
    (StoreFactory, "longitude", Decimal("180")),
    (StoreFactory, "latitude", None),
]


def _id(case):
    return f"{case[0].__name__}.{case[1]}={case[2]}"


@pytest.mark.parametrize("case", REFUSED, ids=_id)
def test_the_model_refuses_the_value_with_a_message_on_the_field(case):
    factory, field, value = case
    instance = factory()
    instance.full_clean()  # the starting point is valid

    setattr(instance, field, value)
    with pytest.raises(ValidationError) as refused:
        instance.full_clean()

    assert list(refused.value.message_dict) == [field]


@pytest.mark.parametrize("case", REFUSED, ids=_id)
def test_the_database_refuses_the_value_even_past_the_model(case):
    factory, field, value = case
    instance = factory()

    with pytest.raises(IntegrityError), transaction.atomic():
        type(instance).objects.filter(pk=instance.pk).update(**{field: value})

    instance.refresh_from_db()
    assert getattr(instance, field) != value


@pytest.mark.parametrize("case", ALLOWED, ids=_id)
def test_the_edges_are_allowed(case):
    factory, field, value = case
    instance = factory()

    setattr(instance, field, value)
    instance.full_clean()
    instance.save()

    instance.refresh_from_db()
    assert getattr(instance, field) == value


@pytest.mark.parametrize("colour", ["red", "#12345", "#1234567", "#12345g", "#fff;}*{x"])
def test_a_tier_colour_must_be_hash_and_six_hex_digits(colour):
    tier = TierFactory()
    tier.badge_color = colour

    with pytest.raises(ValidationError) as refused:
        tier.full_clean()

    assert "badge_color" in refused.value.message_dict


# --- /cms/ -----------------------------------------------------------------------------------


def tier_form(client, **overrides) -> dict[str, str]:
    """A valid new tier as the add form posts it (the form's defaults, so fields added to
    tiers later keep it valid), with the given fields changed."""
    add = client.get(reverse("wagtailsnippets_membership_tier:add"))
    data = form_as_posted(add.context["form"]) | {
        "name_zh": "核心",
        "name_en": "Core",
        "code": "core",
        "rank": "3",
        "min_spend": "3000",
        "stored_value_discount_percent": "10",
    }
    return data | overrides


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Ensure this value is greater than or equal to 0."),
        ("zh-hans", "确保该值大于或等于0。"),
    ],
)
def test_cms_shows_why_a_negative_tier_threshold_is_refused(client, owner_user, language, message):
    client.force_login(owner_user)

    response = client.post(
        reverse("wagtailsnippets_membership_tier:add"),
        tier_form(client, min_spend="-100"),
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"min_spend": [message]}
    assert message in response.content.decode()
    assert not Tier.objects.exists()


def test_cms_refuses_a_discount_over_100_percent(client, owner_user):
    client.force_login(owner_user)

    response = client.post(
        reverse("wagtailsnippets_membership_tier:add"),
        tier_form(client, stored_value_discount_percent="150"),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.context["form"].errors == {
        "stored_value_discount_percent": ["Ensure this value is less than or equal to 100."]
    }
    assert not Tier.objects.exists()


def test_cms_refuses_a_negative_list_price_and_keeps_the_old_one(client, owner_user):
    category = ServiceCategoryFactory(default_price=Decimal("45"))
    client.force_login(owner_user)

    response = client.post(
        reverse("wagtailsnippets_membership_servicecategory:edit", args=[category.pk]),
        {
            "name_zh": category.name_zh,
            "name_en": category.name_en,
            "code": category.code,
            "default_price": "-45",
            "sort_order": "0",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0." in response.content.decode()
    assert ServiceCategory.objects.get(pk=category.pk).default_price == Decimal("45")


def test_cms_refuses_a_store_off_the_map(client, owner_user):
    client.force_login(owner_user)

    response = client.post(
        reverse("wagtailsnippets_membership_store:add"),
        {
            "name": "North",
            "code": "north",
            "address": "",
            "phone": "",
            "latitude": "123.4",
            "longitude": "121.47",
            "service_radius_km": "3",
            "turnaround_days": "3",
            "express_turnaround_days": "1",
            "is_active": "on",
            "booking_cutoff_minutes": "120",
            "change_cutoff_minutes": "120",
            "booking_days_ahead": "14",
            "express_surcharge": "0",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.context["form"].errors == {
        "latitude": ["Ensure this value is less than or equal to 90."]
    }
    assert not Store.objects.filter(code="north").exists()
