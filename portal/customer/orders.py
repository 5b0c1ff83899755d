"""The member's orders: clothes still at the shop (stage and due date) first, then the
history; an order's receipt, and feedback once the clothes are back."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from loyalty.selectors.wallet import wallet_balance_after_order
from membership.models import Member
from membership.selectors.orders import order_for_member, orders_for_member
from membership.services.feedback import feedback_submit

PAGE_SIZE = 10


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=gettext_lazy("How did we do?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose a rating from 1 to 5.")},
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    is_complaint = forms.BooleanField(
        label=gettext_lazy("This is a complaint: please contact me"), required=False
    )


def _member(request) -> Member | None:
    return Member.objects.filter(user=request.user).first()


def _no_member(request):
    return render(request, "portal/customer/no_member.html", status=404)


@require_GET
@login_required
def orders(request):
    member = _member(request)
    if member is None:
        return _no_member(request)
    page = Paginator(orders_for_member(member=member), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/customer/orders.html", {"page": page, "tab": "orders"})


@require_http_methods(["GET", "POST"])
@login_required
def order(request, number: str):
    """The receipt of one of the member's own orders (another member's is a 404)."""
    member = _member(request)
    if member is None:
        return _no_member(request)
    found = order_for_member(member=member, number=number)
    if found is None:
        raise Http404
    has_feedback = hasattr(found, "feedback")
    # Rated once the clothes are back (an open or unpaid order is not done yet).
    can_rate = not has_feedback and not found.is_open and not found.is_unpaid
    form = FeedbackForm(request.POST if request.method == "POST" else None) if can_rate else None
    status = 200
    if request.method == "POST":
        if has_feedback:
            messages.error(request, _("You have already rated this order."))
            return redirect("customer:order", number=found.number)
        if not can_rate:
            messages.error(request, _("You can rate this order once your clothes are back."))
            return redirect("customer:order", number=found.number)
        if form.is_valid():
            try:
                feedback_submit(
                    member=member,
                    order=found,
                    rating=form.cleaned_data["rating"],
                    comment=form.cleaned_data["comment"],
                    is_complaint=form.cleaned_data["is_complaint"],
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Thank you for your feedback."))
                return redirect("customer:order", number=found.number)
        status = 400
    return render(
        request,
        "portal/customer/order.html",
        {
            "order": found,
            "form": form,
            "balance_after": wallet_balance_after_order(order=found),
            "tab": "orders",
        },
        status=status,
    )
