import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/cms/settings/loyalty/loyaltysettings/",
        "/cms/snippets/loyalty/package/",
        "/cms/snippets/loyalty/package/add/",
        "/cms/snippets/loyalty/topupbonusrule/",
        "/cms/snippets/loyalty/coupontemplate/add/",
    ],
)
def test_owner_configures_loyalty_in_the_back_office(client, owner_user, path):
    client.force_login(owner_user)
    assert client.get(path, follow=True).status_code == 200


def test_owner_saves_the_points_rule_and_amounts(client, owner_user):
    from loyalty.models import LoyaltySettings

    client.force_login(owner_user)
    row = LoyaltySettings.load()
    response = client.post(
        f"/cms/settings/loyalty/loyaltysettings/{row.pk}/",
        {
            "points_per_currency_unit": "2",
            "points_expiry_policy": "end_of_year",
            "points_expiry_months": "12",
            "points_warning_days": "15",
            "tier_warning_days": "5",
            "top_up_amount_choices": "100, 300",
            "top_up_maximum": "1000",
            "pay_by_card": "on",
            "pay_by_alipay": "on",
            "points_payment_rate": "100",
            "points_payment_max_percent": "50",
            "points_payment_minimum": "0",
        },
    )
    assert response.status_code == 302
    row = LoyaltySettings.load()
    assert row.points_expiry_policy == "end_of_year"
    assert row.tier_warning_days == 5
    assert row.payment_method_types == ["card", "alipay"]
    assert [str(a) for a in row.amount_choices] == ["100", "300"]


def test_a_tier_warning_further_ahead_than_a_month_is_refused(client, owner_user):
    from loyalty.models import LoyaltySettings

    client.force_login(owner_user)
    row = LoyaltySettings.load()
    response = client.post(
        f"/cms/settings/loyalty/loyaltysettings/{row.pk}/",
        {
            "points_per_currency_unit": "1",
            "points_expiry_policy": "never",
            "points_expiry_months": "12",
            "points_warning_days": "30",
            "tier_warning_days": "40",
            "top_up_amount_choices": "100",
            "top_up_maximum": "1000",
            "pay_by_card": "on",
        },
    )
    assert response.status_code == 200
    assert LoyaltySettings.load().tier_warning_days == 7


def test_staff_cannot_reach_the_loyalty_configuration(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/cms/snippets/loyalty/package/").status_code in (302, 403)
