"""Counter: garment orders still at the shop, moving an order's clothes along, and payment
of clothes taken in unpaid when they are collected or delivered.

Taking clothes in is the checkout form with notes and a due date (checkout.take_in)."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loyalty.flows.garment_orders import order_collect_and_pay, order_stage_advance
from loyalty.selectors.coupons import coupons_usable_for_member
from loyalty.selectors.packages import packages_for_member
from loyalty.selectors.wallet import wallet_balance
from loyalty.services.checkout import (
    checkout_points_value,
    checkout_price,
    checkout_quote,
    order_can_cancel,
)
from membership.models import Order
from membership.selectors.orders import open_garment_counts, open_garment_orders
from membership.services.orders import order_lines_of
from portal.counter.checkout import (
    _add_errors,
    _hidden_fields,
    _order_or_404,
    _order_page,
    _points_context,
    _render,
)
from portal.counter.checkout_forms import CollectForm, StageForm
from portal.counter.lookup import lookups_limited
from portal.permissions import staff_required
from portal.redirects import local_path
from portal.templatetags.money import money

OPEN_ORDERS_PAGE_SIZE = 20


@require_GET
@staff_required
def open_orders(request):
    """The store's garment orders still at the shop, soonest due first, by stage."""
    stage = request.GET.get("stage", "")
    if stage and stage not in Order.OPEN_STAGES:
        messages.error(request, _("Unknown stage: showing every open order."))
        stage = ""
    store = request.user.store  # the owner (no store) sees every store's
    page = Paginator(
        open_garment_orders(store=store, stage=stage or None), OPEN_ORDERS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    counts = open_garment_counts(store=store)
    return _render(
        request,
        "portal/counter/garment_orders.html",
        {
            "page": page,
            "stage": stage,
            "stages": [(s, Order.Stage(s).label, counts[s]) for s in Order.OPEN_STAGES],
            "total": sum(counts.values()),
            "store": store,
        },
    )


STAGE_DONE = {
    Order.Stage.CLEANING: gettext_lazy("Order %(number)s is being cleaned."),
    Order.Stage.READY: gettext_lazy("Order %(number)s is ready. The member has been told."),
    Order.Stage.COLLECTED: gettext_lazy("Order %(number)s was collected."),
    Order.Stage.DELIVERED: gettext_lazy("Order %(number)s was delivered."),
}


@require_POST
@staff_required
@lookups_limited
def order_stage(request, number: str):
    """Move an order's clothes to the next stage (a button on the order page or the list)."""
    order = _order_or_404(request, number)
    next_url = request.POST.get("next", "")
    # Checked before the write: an error answered after the stage moved would lie.
    if next_url and local_path(request, next_url) is None:
        messages.error(request, _("That link does not lead to a page here. Nothing was changed."))
        return _order_page(request, order, status=400)
    form = StageForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return _order_page(request, order, status=400)
    to_stage = form.cleaned_data["to_stage"]
    try:
        order = order_stage_advance(order=order, to_stage=to_stage, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _order_page(request, _order_or_404(request, number), status=400)
    messages.success(request, str(STAGE_DONE[to_stage]) % {"number": order.number})
    return HttpResponseRedirect(next_url or reverse("counter:order", kwargs={"number": number}))


def _collect_form(order: Order, data=None) -> CollectForm:
    member = order.member
    initial = {
        "key": uuid.uuid4().hex,
        "pay_with": CollectForm.PAY_STORED_VALUE
        if wallet_balance(member=member)
        else CollectForm.PAY_CASH,
        "hand_over": Order.Stage.DELIVERED
        if order.needs_pickup_delivery
        else Order.Stage.COLLECTED,
    }
    return CollectForm(
        data,
        initial=initial,
        order=order,
        coupons=coupons_usable_for_member(member),
        entitlements=packages_for_member(member),
    )


@require_http_methods(["GET", "POST"])
@staff_required
@lookups_limited
def order_collect(request, number: str):
    """Clothes taken in unpaid are collected (or delivered): GET the payment form, POST to
    review it, POST with confirm=1 to take the payment and hand the order over."""
    order = _order_or_404(request, number)
    if order.status == Order.Status.COMPLETED and order.stage in Order.HANDED_OVER_STAGES:
        # A second tap after the payment went through: nothing is charged again.
        messages.info(
            request,
            _("Order %(number)s is already paid and handed over. Nothing was charged again.")
            % {"number": order.number},
        )
        return redirect("counter:order", number=order.number)
    refusal = None
    if not order_can_cancel(order=order, user=request.user):
        refusal = _(
            "Only staff of the store that took this order, or the owner, can move it along."
        )
    elif order.status != Order.Status.UNPAID:
        refusal = _("Order %(number)s is not waiting for payment.") % {"number": order.number}
    elif order.stage != Order.Stage.READY:
        refusal = _("Order %(number)s is %(stage)s: mark it ready before it is collected.") % {
            "number": order.number,
            "stage": order.get_stage_display().lower(),
        }
    if refusal:
        messages.error(request, refusal)
        return _order_page(request, order, status=400)
    member = order.member
    lines = order_lines_of(order)
    form = _collect_form(order, request.POST if request.method == "POST" else None)
    context = {
        "member": member,
        "order": order,
        "form": form,
        "lines": lines,
        "amount": sum((line.amount for line in lines), start=order.subtotal),
        "balance": wallet_balance(member=member),
    } | _points_context(member)
    template = "portal/counter/order_collect.html"
    if request.method == "GET":
        return _render(request, template, context)
    if not form.is_valid():
        return _render(request, template, context, status=400)
    if "edit" in request.POST:
        return _render(request, template, context)
    data = form.cleaned_data
    try:
        price = checkout_price(
            member=member, lines=lines, coupon=data["coupon"], package_entitlement=data["package"]
        )
        points = form.points_used()
        payments = form.payments(due=price.due, points_amount=checkout_points_value(points=points))
        if request.POST.get("confirm") == "1":
            result = order_collect_and_pay(
                order=order,
                payments=payments,
                coupon=data["coupon"],
                package_entitlement=data["package"],
                hand_over=form.hand_over_stage(),
                acting_user=request.user,
            )
            paid = result.order
            if result.settled_now:
                messages.success(
                    request,
                    _(
                        "Order %(number)s paid (%(amount)s) and handed over. %(points)d points earned."
                    )
                    % {
                        "number": paid.number,
                        "amount": money(paid.total, paid.currency),
                        "points": paid.points_earned,
                    },
                )
            else:
                messages.info(
                    request,
                    _("Order %(number)s was already paid. Nothing was charged again.")
                    % {"number": paid.number},
                )
            return redirect("counter:order", number=paid.number)
        quote = checkout_quote(
            member=member,
            lines=lines,
            payments=payments,
            coupon=data["coupon"],
            package_entitlement=data["package"],
        )
    except ValidationError as exc:
        _add_errors(form, exc)
        return _render(request, template, context, status=400)
    context.update(
        {
            "quote": quote,
            "hidden": _hidden_fields(request.POST),
            "is_express": order.is_express,
            "needs_pickup_delivery": order.needs_pickup_delivery,
            "confirm_url": reverse("counter:order-collect", kwargs={"number": order.number}),
            "collecting": order,
        }
    )
    return _render(request, "portal/counter/checkout_confirm.html", context)
