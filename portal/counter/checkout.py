"""Counter: ring up an order, confirm it, refund/void it, top up, and the follow-up to-do list."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from loyalty.flows.garment_orders import garment_order_take_in
from loyalty.flows.top_up import counter_top_up
from loyalty.selectors.coupons import coupons_usable_for_member
from loyalty.selectors.packages import packages_for_member
from loyalty.selectors.points_spending import points_payment_rule, points_spendable
from loyalty.selectors.wallet import wallet_balance, wallet_balance_after_order
from loyalty.services.checkout import (
    checkout_order,
    checkout_points_value,
    checkout_price,
    checkout_quote,
    order_can_cancel,
    order_can_refund,
    order_can_void,
    order_refund,
    order_void,
)
from loyalty.services.wallet import top_up_bonus_preview
from membership.models import FollowUpTask, Member, Order, ServiceCategory, User
from membership.roles import OWNER_GROUP, STAFF_GROUP
from membership.selectors.followups import followups_done, followups_for_member, followups_open
from membership.selectors.orders import order_by_key, order_detail
from membership.services.followups import followup_complete, followup_create
from membership.services.orders import GarmentIntake, order_stage_moves
from portal.counter.checkout_forms import (
    CancelOrderForm,
    CheckoutForm,
    CounterTopUpForm,
    FollowUpDoneForm,
    FollowUpForm,
    garment_due_date,
)
from portal.counter.context import counter_roles
from portal.counter.lookup import counted_member, lookups_limited, open_member
from portal.permissions import staff_required
from portal.redirects import local_path
from portal.templatetags.money import money

FOLLOWUPS_PAGE_SIZE = 20


def _add_errors(form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


def _render(request, template: str, context: dict, status: int = 200):
    context.setdefault("roles", counter_roles(request))
    context.setdefault("now", timezone.now())
    return render(request, template, context, status=status)


# --- checkout -----------------------------------------------------------------------------


def _checkout_form(request, member: Member, data=None, *, intake: bool = False):
    balance = wallet_balance(member=member)
    initial = {
        "key": uuid.uuid4().hex,
        "pay_with": CheckoutForm.PAY_STORED_VALUE if balance else CheckoutForm.PAY_CASH,
    }
    if intake:
        initial["due_date"] = garment_due_date(store=request.user.store, express=False)
    form = CheckoutForm(
        data,
        initial=initial,
        categories=ServiceCategory.objects.all(),
        coupons=coupons_usable_for_member(member),
        entitlements=packages_for_member(member),
        need_store=request.user.store_id is None,
        intake=intake,
    )
    return form, balance


def _points_context(member: Member) -> dict:
    """What the form says about paying with points (nothing when the owner turned it off)."""
    rule = points_payment_rule()
    if not rule.enabled:
        return {"points_rule": None}
    return {"points_rule": rule, "points_balance": points_spendable(member=member)}


def _hidden_fields(post) -> list[tuple[str, str]]:
    """Echo the submitted form on the confirmation page (the key stays the same)."""
    skip = {"csrfmiddlewaretoken", "confirm", "edit"}
    return [(name, value) for name, value in post.items() if name not in skip]


def _due_context(request, intake: bool) -> dict:
    """The due dates the intake form proposes (normal and express), for its script."""
    if not intake:
        return {}
    store = request.user.store
    return {
        "due_normal": garment_due_date(store=store, express=False),
        "due_express": garment_due_date(store=store, express=True),
    }


@require_http_methods(["GET", "POST"])
@staff_required
@lookups_limited
def checkout(request, number: str):
    """GET: the order form. POST: review (confirmation page) or, with confirm=1, record it."""
    return _order_form(request, number, intake=False)


@require_http_methods(["GET", "POST"])
@staff_required
@lookups_limited
def take_in(request, number: str):
    """Take clothes in: items with notes, due date, express; paid now (review, confirm, like
    a checkout) or on collection (recorded at once, nothing to pay yet)."""
    return _order_form(request, number, intake=True)


def _order_form(request, number: str, *, intake: bool):
    member = counted_member(request, number)
    template = "portal/counter/take_in.html" if intake else "portal/counter/checkout.html"
    if request.method == "GET":
        form, balance = _checkout_form(request, member, intake=intake)
        return _render(
            request,
            template,
            {"member": member, "form": form, "balance": balance}
            | _points_context(member)
            | _due_context(request, intake),
        )
    key = CheckoutForm.submitted_key(request.POST)
    if (request.POST.get("confirm") == "1" or intake) and key:
        # A double tap: the first tap already recorded this form (its coupon is used now,
        # so the form would no longer validate). Show the order it recorded.
        done = order_by_key(idempotency_key=key)
        if done is not None and done.member_id == member.pk:
            return redirect("counter:order", number=done.number)
    form, balance = _checkout_form(request, member, request.POST, intake=intake)
    context = (
        {"member": member, "form": form, "balance": balance}
        | _points_context(member)
        | _due_context(request, intake)
    )
    if not form.is_valid():
        return _render(request, template, context, status=400)
    if "edit" in request.POST:
        return _render(request, template, context)
    data = form.cleaned_data
    store = data.get("store") or request.user.store
    garment = GarmentIntake(due_at=form.due_at(store=store)) if intake else None
    try:
        if intake and form.pays_later:
            order = garment_order_take_in(
                member=member,
                store=store,
                lines=form.lines,
                intake=garment,
                is_express=data["is_express"],
                needs_pickup_delivery=data["needs_pickup_delivery"],
                acting_user=request.user,
                idempotency_key=data["key"],
            )
            messages.success(
                request,
                _("Clothes taken in: order %(number)s, due %(due)s. The member pays on collection.")
                % {"number": order.number, "due": date_format(garment.due_at.date())},
            )
            return redirect("counter:order", number=order.number)
        price = checkout_price(
            member=member,
            lines=form.lines,
            coupon=data["coupon"],
            package_entitlement=data["package"],
        )
        points = form.points_used()
        payments = form.payments(due=price.due, points_amount=checkout_points_value(points=points))
        if request.POST.get("confirm") == "1":
            order = checkout_order(
                member=member,
                store=store,
                lines=form.lines,
                payments=payments,
                coupon=data["coupon"],
                package_entitlement=data["package"],
                is_express=data["is_express"],
                needs_pickup_delivery=data["needs_pickup_delivery"],
                acting_user=request.user,
                idempotency_key=data["key"],
                intake=garment,
            )
            text = _("Order %(number)s recorded. %(points)d points earned.") % {
                "number": order.number,
                "points": order.points_earned,
            }
            if order.points_redeemed:
                text += " " + _("%(points)d points used, paying %(amount)s.") % {
                    "points": order.points_redeemed,
                    "amount": money(order.points_amount, order.currency),
                }
            messages.success(request, text)
            return redirect("counter:order", number=order.number)
        quote = checkout_quote(
            member=member,
            lines=form.lines,
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
            "lines": form.lines,
            "hidden": _hidden_fields(request.POST),
            "is_express": data["is_express"],
            "needs_pickup_delivery": data["needs_pickup_delivery"],
            "due_at": garment.due_at if garment else None,
            "confirm_url": reverse(
                "counter:take-in" if intake else "counter:checkout", kwargs={"number": number}
            ),
        }
    )
    return _render(request, "portal/counter/checkout_confirm.html", context)


# --- orders: receipt, refund, void --------------------------------------------------------


def _order_or_404(request, number: str):
    """The order, its member opened like the panel (counted and logged)."""
    order = order_detail(number=number)
    if order is None:
        raise Http404
    open_member(request, order.member.number).record(order.member)
    return order


def _receipt_language(request) -> str | None:
    """The language to print the receipt in (the member's, chosen by staff), if a known one."""
    wanted = request.GET.get("receipt", "")
    return wanted if wanted in dict(settings.LANGUAGES) else None


def _order_page(request, order, *, form=None, action=None, status=200):
    return _render(
        request,
        "portal/counter/order.html",
        {
            "order": order,
            "member": order.member,
            "balance_after": wallet_balance_after_order(order=order),
            "receipt_language": _receipt_language(request) or get_language(),
            "can_void": order_can_void(order=order),
            "can_refund": order_can_refund(order=order),
            "can_cancel": order_can_cancel(order=order, user=request.user),
            "stage_moves": [(s, Order.Stage(s).label) for s in order_stage_moves(order)],
            "cancel_form": form or CancelOrderForm(),
            "failed_action": action,
        },
        status=status,
    )


@require_http_methods(["GET"])
@staff_required
@lookups_limited
def order(request, number: str):
    return _order_page(request, _order_or_404(request, number))


def _cancel(request, number: str, service, done_message: str, action: str):
    order = _order_or_404(request, number)
    form = CancelOrderForm(request.POST)
    if form.is_valid():
        try:
            service(order=order, reason=form.cleaned_data["reason"], acting_user=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, done_message % {"number": order.number})
            return redirect("counter:order", number=order.number)
    return _order_page(request, order, form=form, action=action, status=400)


@require_POST
@staff_required
@lookups_limited
def order_refund_view(request, number: str):
    return _cancel(
        request,
        number,
        order_refund,
        _("Order %(number)s refunded: stored value and points reversed."),
        "refund",
    )


@require_POST
@staff_required
@lookups_limited
def order_void_view(request, number: str):
    return _cancel(
        request,
        number,
        order_void,
        _("Order %(number)s voided: stored value and points reversed."),
        "void",
    )


# --- counter top-up -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required
@lookups_limited
def top_up(request, number: str):
    member = counted_member(request, number)
    status = 200
    if request.method == "POST":
        form = CounterTopUpForm(request.POST)
        if form.is_valid():
            try:
                result = counter_top_up(
                    member=member,
                    amount=form.cleaned_data["amount"],
                    method=form.cleaned_data["method"],
                    acting_user=request.user,
                    idempotency_key=form.cleaned_data["key"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                currency = result.entry.currency
                text = _("Topped up %(amount)s. Balance now %(balance)s.") % {
                    "amount": money(result.entry.principal_amount, currency),
                    "balance": money(result.entry.balance_after, currency),
                }
                if result.bonus:
                    text += " " + _("Bonus %(bonus)s added.") % {
                        "bonus": money(result.bonus, currency)
                    }
                if result.member_package:
                    text += " " + _("Package %(name)s given.") % {
                        "name": result.member_package.package.display_name
                    }
                messages.success(request, text)
                return redirect("counter:member", number=member.number)
        status = 400
    else:
        form = CounterTopUpForm(initial={"key": uuid.uuid4().hex})
    preview = None
    if form.is_bound and form.is_valid():
        preview = top_up_bonus_preview(amount=form.cleaned_data["amount"])
    return _render(
        request,
        "portal/counter/checkout_top_up.html",
        {
            "member": member,
            "form": form,
            "balance": wallet_balance(member=member),
            "preview": preview,
        },
        status=status,
    )


# --- follow-ups ---------------------------------------------------------------------------


def _staff_users():
    return (
        User.objects.filter(
            Q(groups__name__in=[STAFF_GROUP, OWNER_GROUP]) | Q(is_superuser=True), is_active=True
        )
        .distinct()
        .order_by("first_name", "username")
    )


def _followups_page(request, *, status: int = 200):
    show_done = request.GET.get("show") == "done"
    tasks = followups_done() if show_done else followups_open()
    page = Paginator(tasks, FOLLOWUPS_PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(
        request,
        "portal/counter/followups.html",
        {"page": page, "show_done": show_done, "done_form": FollowUpDoneForm()},
        status=status,
    )


@require_http_methods(["GET"])
@staff_required
def followups(request):
    """The to-do list: open tasks, most overdue first (or the done ones), paginated."""
    return _followups_page(request)


@require_http_methods(["GET", "POST"])
@staff_required
@lookups_limited
def followup_new(request, number: str):
    member = counted_member(request, number)
    form = FollowUpForm(
        request.POST if request.method == "POST" else None, staff_users=_staff_users()
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                followup_create(
                    member=member,
                    reason=form.cleaned_data["reason"],
                    details=form.cleaned_data["details"],
                    due_at=form.due_at(),
                    assigned_to=form.cleaned_data["assigned_to"],
                    source=FollowUpTask.Source.MANUAL,
                    acting_user=request.user,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Follow-up added to the to-do list."))
                return redirect("counter:member", number=member.number)
        status = 400
    return _render(
        request,
        "portal/counter/followups_new.html",
        {
            "member": member,
            "form": form,
            "open_tasks": list(followups_for_member(member=member)[:10]),
        },
        status=status,
    )


@require_POST
@staff_required
def followup_done(request, pk: int):
    task = FollowUpTask.objects.filter(pk=pk).first()
    if task is None:
        raise Http404
    # Checked before the write: an error answered after the task was saved would lie.
    next_url = request.POST.get("next", "")
    if next_url and local_path(request, next_url) is None:
        messages.error(request, _("That link does not lead to a page here. Nothing was changed."))
        return _followups_page(request, status=400)
    form = FollowUpDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("note", [])))
    else:
        try:
            followup_complete(task=task, acting_user=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Marked done."))
    # A path, never a view name: redirect() would try to reverse it.
    return HttpResponseRedirect(next_url or reverse("counter:followups"))
