from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from loyalty.models import (
    CouponTemplate,
    MemberCoupon,
    Package,
    PackageItem,
    PointsAccount,
    TopUpBonusRule,
    TopUpMethod,
    WalletAccount,
)
from loyalty.services.checkout import PaymentSplit, checkout_order
from loyalty.services.coupons import coupon_issue
from loyalty.services.packages import package_grant
from loyalty.services.wallet import wallet_top_up
from membership.models import FollowUpTask, Order, StaffAction
from membership.services.followups import followup_create
from membership.services.orders import OrderLineInput
from tests.factories import (
    MemberFactory,
    OrderFactory,
    OwnerFactory,
    ServiceCategoryFactory,
    StaffFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def shop():
    core = TierFactory(code="core", stored_value_discount_percent=D("10"), points_multiplier=D("2"))
    member = MemberFactory(tier=core)
    wallet_top_up(member=member, amount=D("200"), method=TopUpMethod.CASH, idempotency_key="seed")
    staff = StaffFactory()
    return {
        "member": member,
        "staff": staff,
        "suit": ServiceCategoryFactory(code="suit", default_price=D("45"), sort_order=1),
        "shirt": ServiceCategoryFactory(code="shirt", default_price=D("12"), sort_order=2),
    }


def balance(member) -> Decimal:
    return WalletAccount.objects.get(member=member).balance


def form_data(shop, **extra):
    data = {
        f"qty_{shop['suit'].pk}": "2",
        f"amt_{shop['suit'].pk}": "",
        f"qty_{shop['shirt'].pk}": "3",
        f"amt_{shop['shirt'].pk}": "",
        "pay_with": "stored_value",
        "key": "form-key-1",
    }
    data.update(extra)
    return data


def checkout_url(member):
    return reverse("counter:checkout", kwargs={"number": member.number})


def recorded_order(shop) -> Order:
    return checkout_order(
        member=shop["member"],
        store=shop["staff"].store,
        lines=[OrderLineInput(category=shop["suit"], quantity=1, amount=D("45"))],
        payments=PaymentSplit(stored_value=D("45")),
        acting_user=shop["staff"],
        idempotency_key="seed-order",
    )


# --- who may reach each counter URL -------------------------------------------------------


def counter_urls(shop):
    order = recorded_order(shop)
    task = followup_create(member=shop["member"], reason="Call", source=FollowUpTask.Source.RULE)
    number = shop["member"].number
    return [
        ("get", reverse("counter:checkout", kwargs={"number": number}), {}),
        ("get", reverse("counter:top-up", kwargs={"number": number}), {}),
        ("get", reverse("counter:followup-new", kwargs={"number": number}), {}),
        ("get", reverse("counter:order", kwargs={"number": order.number}), {}),
        ("get", reverse("counter:followups"), {}),
        ("post", reverse("counter:order-refund", kwargs={"number": order.number}), {}),
        ("post", reverse("counter:order-void", kwargs={"number": order.number}), {}),
        ("post", reverse("counter:followup-done", kwargs={"pk": task.pk}), {"note": "ok"}),
    ]


def test_anonymous_visitors_are_sent_to_log_in_everywhere(client, shop):
    for method, url, data in counter_urls(shop):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


def test_members_get_403_everywhere_even_for_their_own_orders(client, shop):
    client.force_login(shop["member"].user)
    for method, url, data in counter_urls(shop):
        assert getattr(client, method)(url, data).status_code == 403, url
    assert Order.objects.get().status == Order.Status.COMPLETED
    assert FollowUpTask.objects.get().done_at is None


@pytest.mark.parametrize("role", ["staff", "owner"])
def test_staff_and_owner_reach_every_counter_url(client, shop, role):
    user = shop["staff"] if role == "staff" else OwnerFactory()
    client.force_login(user)
    for method, url, data in counter_urls(shop):
        response = getattr(client, method)(url, data)
        # GETs render; the refund/void POSTs without a reason are refused with a form error;
        # marking a task done redirects back to the list.
        expected = {"get": 200, "post": 302 if "follow-ups" in url else 400}[method]
        assert response.status_code == expected, (url, response.status_code)
    assert FollowUpTask.objects.get().done_by == user


# --- checkout through the form ------------------------------------------------------------


def test_the_form_offers_categories_coupons_packages_and_a_fresh_key(client, shop):
    template = CouponTemplate.objects.create(name_zh="减20", amount_off=D("20"))
    coupon_issue(member=shop["member"], template=template, idempotency_key="c")
    package = Package.objects.create(code="p", name_zh="西装卡", name_en="Suit card")
    PackageItem.objects.create(package=package, category=shop["suit"], quantity=4)
    package_grant(member=shop["member"], package=package, idempotency_key="p")
    client.force_login(shop["staff"])

    first = client.get(checkout_url(shop["member"]), HTTP_ACCEPT_LANGUAGE="en")
    second = client.get(checkout_url(shop["member"]), HTTP_ACCEPT_LANGUAGE="en")

    html = first.content.decode()
    assert f'name="qty_{shop["suit"].pk}"' in html and 'inputmode="decimal"' in html
    assert "Suit card: " in html and "4 left" in html
    assert "减20" in html
    assert "10% off with stored value" in html
    assert first.context["form"].initial["key"] != second.context["form"].initial["key"]


def test_review_shows_the_discount_totals_and_points_then_confirm_records_once(client, shop):
    client.force_login(shop["staff"])
    url = checkout_url(shop["member"])

    review = client.post(url, form_data(shop), HTTP_ACCEPT_LANGUAGE="en")
    assert review.status_code == 200
    assert review.templates[0].name == "portal/counter/checkout_confirm.html"
    quote = review.context["quote"]
    assert (quote.price.subtotal, quote.tier_discount, quote.wallet_charged, quote.points) == (
        D("126.00"),
        D("12.60"),
        D("113.40"),
        226,
    )
    html = review.content.decode()
    assert "12.60" in html and "113.40" in html and "+226" in html
    assert Order.objects.count() == 0

    confirmed = client.post(url, form_data(shop, confirm="1"))
    again = client.post(url, form_data(shop, confirm="1"))  # double tap

    order = Order.objects.get()
    assert confirmed.status_code == again.status_code == 302
    assert (
        confirmed["Location"]
        == again["Location"]
        == reverse("counter:order", kwargs={"number": order.number})
    )
    assert order.created_by == shop["staff"] and order.store == shop["staff"].store
    assert balance(shop["member"]) == D("86.60")
    assert PointsAccount.objects.get(member=shop["member"]).balance == 226


def test_a_double_tap_with_a_coupon_opens_the_same_order(client, shop):
    template = CouponTemplate.objects.create(name_zh="减20", amount_off=D("20"))
    coupon = coupon_issue(member=shop["member"], template=template, idempotency_key="c")
    client.force_login(shop["staff"])
    data = form_data(shop, coupon=coupon.pk, pay_with="cash", confirm="1")

    first = client.post(checkout_url(shop["member"]), data)
    second = client.post(checkout_url(shop["member"]), data)

    order = Order.objects.get()
    assert order.coupon_discount == D("20.00")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]


def test_owner_without_a_store_chooses_one(client, shop):
    owner = OwnerFactory()
    client.force_login(owner)
    url = checkout_url(shop["member"])
    refused = client.post(url, form_data(shop, confirm="1"))
    assert refused.status_code == 400 and "store" in refused.context["form"].errors
    response = client.post(url, form_data(shop, confirm="1", store=shop["staff"].store.pk))
    assert response.status_code == 302
    assert Order.objects.get().store == shop["staff"].store


def test_amounts_typed_by_the_clerk_override_count_times_price(client, shop):
    client.force_login(shop["staff"])
    data = form_data(shop, pay_with="cash", confirm="1")
    data[f"amt_{shop['suit'].pk}"] = "80,50"
    client.post(checkout_url(shop["member"]), data)
    order = Order.objects.get()
    assert order.subtotal == D("116.50") and order.cash_amount == D("116.50")


def test_mixed_payment_through_the_form(client, shop):
    client.force_login(shop["staff"])
    data = form_data(shop, pay_with="mixed", stored_value="100", cash="20", card="6", confirm="1")
    client.post(checkout_url(shop["member"]), data)
    order = Order.objects.get()
    assert (order.wallet_amount, order.cash_amount, order.card_amount) == (
        D("90.00"),
        D("20.00"),
        D("6.00"),
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"pay_with": "mixed", "stored_value": "50", "cash": "10"}, "must add up"),
        ({"pay_with": "mixed"}, "how much is paid each way"),
        ({"qty_suit": "-1"}, "greater than or equal to 0"),
        ({"amt_suit": "-5"}, "greater than or equal to 0"),
        ({"qty_suit": "0", "qty_shirt": "0"}, "at least one kind"),
        ({"qty_suit": "0", "amt_suit": "10"}, "Enter how many"),
        ({"qty_suit": "20"}, "Not enough stored value"),
        ({"amt_suit": "0", "amt_shirt": "0"}, "greater than zero"),
        ({"pay_with": "bitcoin"}, "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_clear_message_and_writes_nothing(client, shop, extra, message):
    client.force_login(shop["staff"])
    data = form_data(shop, confirm="1")
    for name, value in extra.items():
        if name.startswith(("qty_", "amt_")):
            kind, code = name.split("_")
            name = f"{kind}_{shop[code].pk}"
        data[name] = value

    response = client.post(checkout_url(shop["member"]), data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert Order.objects.count() == 0
    assert balance(shop["member"]) == D("200")
    assert not StaffAction.objects.exists()


def test_a_coupon_below_its_minimum_spend_is_refused_with_a_message(client, shop):
    template = CouponTemplate.objects.create(
        name_zh="满300减50", amount_off=D("50"), min_spend=D("300")
    )
    coupon = coupon_issue(member=shop["member"], template=template, idempotency_key="c")
    client.force_login(shop["staff"])

    response = client.post(
        checkout_url(shop["member"]),
        form_data(shop, coupon=coupon.pk, confirm="1"),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert "needs an order of at least 300" in response.content.decode()
    coupon.refresh_from_db()
    assert coupon.status == MemberCoupon.Status.AVAILABLE and Order.objects.count() == 0


def test_another_members_coupon_cannot_be_chosen(client, shop):
    template = CouponTemplate.objects.create(name_zh="减20", amount_off=D("20"))
    foreign = coupon_issue(member=MemberFactory(), template=template, idempotency_key="x")
    client.force_login(shop["staff"])
    response = client.post(
        checkout_url(shop["member"]), form_data(shop, coupon=foreign.pk, confirm="1")
    )
    assert response.status_code == 400 and Order.objects.count() == 0


def test_unknown_member_is_404(client, shop):
    client.force_login(shop["staff"])
    url = reverse("counter:checkout", kwargs={"number": "M-nope"})
    assert client.get(url).status_code == 404


def test_checkout_page_query_count_is_fixed(client, shop, django_assert_max_num_queries):
    template = CouponTemplate.objects.create(name_zh="减20", amount_off=D("20"))
    for n in range(15):
        coupon_issue(member=shop["member"], template=template, idempotency_key=f"c{n}")
    for n in range(10):
        ServiceCategoryFactory(code=f"extra-{n}")
    for _ in range(30):
        OrderFactory(member=shop["member"])
    client.force_login(shop["staff"])
    client.get(checkout_url(shop["member"]))

    with django_assert_max_num_queries(10):
        response = client.get(checkout_url(shop["member"]))
    assert response.status_code == 200


# --- order page, refund, void -------------------------------------------------------------


def test_order_page_shows_the_receipt_and_refund_reverses_everything(client, shop):
    order = recorded_order(shop)
    client.force_login(shop["staff"])
    url = reverse("counter:order", kwargs={"number": order.number})

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert order.number in page.content.decode() and "Void" in page.content.decode()

    response = client.post(
        reverse("counter:order-refund", kwargs={"number": order.number}), {"reason": "Torn"}
    )
    assert response.status_code == 302 and response["Location"] == url
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED and order.cancelled_by == shop["staff"]
    assert balance(shop["member"]) == D("200.00")
    assert PointsAccount.objects.get(member=shop["member"]).balance == 0

    twice = client.post(
        reverse("counter:order-refund", kwargs={"number": order.number}),
        {"reason": "Again"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert twice.status_code == 400
    assert StaffAction.objects.filter(action="order.refunded").count() == 1
    refunded_page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This order was refunded" in refunded_page and "Torn" in refunded_page
    assert 'data-testid="refund-button"' not in refunded_page


def test_void_is_offered_only_the_same_day(client, shop):
    order = recorded_order(shop)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=3))
    client.force_login(shop["staff"])
    page = client.get(reverse("counter:order", kwargs={"number": order.number}))
    assert 'data-testid="void-button"' not in page.content.decode()
    response = client.post(
        reverse("counter:order-void", kwargs={"number": order.number}),
        {"reason": "Oops"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400 and "refund it instead" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED


def test_void_today(client, shop):
    order = recorded_order(shop)
    client.force_login(shop["staff"])
    client.post(reverse("counter:order-void", kwargs={"number": order.number}), {"reason": "x"})
    order.refresh_from_db()
    assert order.status == Order.Status.VOIDED and balance(shop["member"]) == D("200.00")


# --- counter top-up -----------------------------------------------------------------------


def test_counter_top_up_with_bonus(client, shop):
    TopUpBonusRule.objects.create(name="100+20", min_amount=D("100"), bonus_amount=D("20"))
    client.force_login(shop["staff"])
    url = reverse("counter:top-up", kwargs={"number": shop["member"].number})
    assert 'inputmode="decimal"' in client.get(url).content.decode()

    data = {"amount": "100", "method": TopUpMethod.CASH, "key": "top-1"}
    response = client.post(url, data)
    client.post(url, data)  # double tap

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "counter:member", kwargs={"number": shop["member"].number}
    )
    assert balance(shop["member"]) == D("320.00")
    assert StaffAction.objects.filter(action="wallet.top_up", actor=shop["staff"]).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "0", "method": "cash"}, "greater than or equal to 0.01"),
        ({"amount": "-10", "method": "cash"}, "greater than or equal to 0.01"),
        ({"amount": "abc", "method": "cash"}, "Enter a number"),
        ({"amount": "100", "method": "online"}, "Select a valid choice"),
        ({"amount": "99999", "method": "cash"}, "at most"),
    ],
)
def test_bad_top_ups_are_refused(client, shop, data, message):
    client.force_login(shop["staff"])
    url = reverse("counter:top-up", kwargs={"number": shop["member"].number})
    response = client.post(url, data | {"key": "k"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and message in response.content.decode()
    assert balance(shop["member"]) == D("200")


# --- follow-ups ---------------------------------------------------------------------------


def test_manual_follow_up_then_done_from_the_to_do_list(client, shop):
    client.force_login(shop["staff"])
    url = reverse("counter:followup-new", kwargs={"number": shop["member"].number})
    due = (timezone.localdate() + timedelta(days=2)).isoformat()

    response = client.post(
        url, {"reason": "Call back about the curtains", "due_date": due, "assigned_to": ""}
    )

    assert response.status_code == 302
    task = FollowUpTask.objects.get()
    assert task.source == FollowUpTask.Source.MANUAL and task.created_by == shop["staff"]
    assert timezone.localdate(task.due_at).isoformat() == due
    listing = client.get(reverse("counter:followups")).content.decode()
    assert "Call back about the curtains" in listing

    client.post(reverse("counter:followup-done", kwargs={"pk": task.pk}), {"note": "Done"})
    task.refresh_from_db()
    assert task.done_by == shop["staff"] and task.done_note == "Done"
    assert (
        "Call back about the curtains"
        not in client.get(reverse("counter:followups")).content.decode()
    )
    again = client.post(reverse("counter:followup-done", kwargs={"pk": task.pk}), follow=True)
    assert "already done" in again.content.decode()


def test_bad_manual_follow_up_is_refused(client, shop):
    client.force_login(shop["staff"])
    url = reverse("counter:followup-new", kwargs={"number": shop["member"].number})
    past = (timezone.localdate() - timedelta(days=5)).isoformat()
    blank = client.post(url, {"reason": "", "due_date": past})
    past_due = client.post(url, {"reason": "Call", "due_date": past}, HTTP_ACCEPT_LANGUAGE="en")
    assert blank.status_code == past_due.status_code == 400
    assert "in the past" in past_due.content.decode()
    assert FollowUpTask.objects.count() == 0


def test_to_do_list_is_paginated_most_overdue_first_with_fixed_queries(
    client, shop, django_assert_max_num_queries
):
    now = timezone.now()
    members = [MemberFactory() for _ in range(5)]
    for n in range(45):
        followup_create(
            member=members[n % 5],
            order=None,
            reason=f"Task {n:02d}",
            source=FollowUpTask.Source.RULE,
            due_at=now + timedelta(hours=n),
        )
    client.force_login(shop["staff"])
    client.get(reverse("counter:followups"))

    with django_assert_max_num_queries(8):
        first = client.get(reverse("counter:followups"))
    last = client.get(reverse("counter:followups") + "?page=3")

    assert [t.reason for t in first.context["page"]][:2] == ["Task 00", "Task 01"]
    assert len(first.context["page"]) == 20 and len(last.context["page"]) == 5


def test_the_member_panel_shows_open_follow_ups_without_extra_queries(
    client, shop, django_assert_max_num_queries
):
    now = timezone.now()
    for hours, reason in [(30, "Later task"), (2, "Call about the stain"), (50, "Third")]:
        followup_create(
            member=shop["member"],
            reason=reason,
            source=FollowUpTask.Source.RULE,
            due_at=now + timedelta(hours=hours),
        )
    done = followup_create(member=shop["member"], reason="Old", source="rule", due_at=now)
    done.done_at = now
    done.save()
    client.force_login(shop["staff"])
    url = reverse("counter:member", kwargs={"number": shop["member"].number})
    client.get(url)

    # 10 + the member's lifecycle stage and value group on the panel
    with django_assert_max_num_queries(11):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert "Call about the stain" in html and "3 open" in html
    assert "Later task" not in html and ">Old<" not in html
    assert reverse("counter:checkout", kwargs={"number": shop["member"].number}) in html


def test_counter_order_page_query_count_is_fixed(client, shop, django_assert_max_num_queries):
    order = recorded_order(shop)
    for n in range(20):
        order.lines.create(category=ServiceCategoryFactory(code=f"x{n}"), quantity=1, amount=0)
    client.force_login(shop["staff"])
    url = reverse("counter:order", kwargs={"number": order.number})
    client.get(url)

    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200


def test_staff_of_another_store_see_the_order_but_cannot_refund_it(client, shop):
    order = recorded_order(shop)
    other_store_clerk = StaffFactory()
    client.force_login(other_store_clerk)
    url = reverse("counter:order", kwargs={"number": order.number})

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert order.number in page
    assert 'data-testid="order-other-store"' in page
    assert 'data-testid="refund-button"' not in page

    response = client.post(
        reverse("counter:order-refund", kwargs={"number": order.number}),
        {"reason": "Not mine"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "only that store's staff or the owner can refund" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert not StaffAction.objects.filter(action="order.refunded").exists()
