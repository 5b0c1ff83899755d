"""The points catalogue on the phone: rewards to take for points, and the exchange itself.

"Exchange" is two POSTs: the first shows what will happen and asks to confirm, the second
(confirm=1) exchanges. The key in the form makes a double tap exchange once.
"""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from loyalty.flows.points_exchange import points_exchange
from loyalty.models import PointsReward
from loyalty.selectors.dashboard import member_summary
from loyalty.selectors.points_spending import (
    points_reward_exchanges,
    points_rewards_active,
    points_spendable,
)

PAGE_SIZE = 20


class ExchangeForm(forms.Form):
    reward = forms.ModelChoiceField(
        queryset=PointsReward.objects.select_related("coupon_template"),
        error_messages={"invalid_choice": gettext_lazy("That reward is not in the catalogue.")},
    )
    key = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)


def _page(request, *, summary, confirm=None, status=200):
    member = summary.member
    page = Paginator(points_rewards_active(), PAGE_SIZE).get_page(request.GET.get("page"))
    rewards = list(page.object_list)
    taken = points_reward_exchanges(member=member, reward_ids=[r.pk for r in rewards])
    spendable = points_spendable(member=member)
    rows = [
        {
            "reward": reward,
            "affordable": reward.points_cost <= spendable,
            "taken": taken.get(reward.pk, 0),
            "limit_reached": reward.per_member_limit is not None
            and taken.get(reward.pk, 0) >= reward.per_member_limit,
        }
        for reward in rewards
    ]
    return render(
        request,
        "portal/customer/points_rewards.html",
        {
            "summary": summary,
            "spendable": spendable,
            "page": page,
            "rows": rows,
            "confirm": confirm,
            "key": uuid.uuid4().hex,
            "tab": "points",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def points_rewards(request):
    summary = member_summary(user=request.user)
    if summary is None:
        return render(request, "portal/customer/no_member.html", status=404)
    if request.method == "GET":
        return _page(request, summary=summary)
    form = ExchangeForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("That exchange could not be made. No points were spent. Try again.")
        )
        return _page(request, summary=summary, status=400)
    reward = form.cleaned_data["reward"]
    if request.POST.get("confirm") != "1":
        confirm = {"reward": reward, "key": form.cleaned_data["key"]}
        return _page(request, summary=summary, confirm=confirm)
    try:
        coupon = points_exchange(
            member=summary.member,
            reward=reward,
            idempotency_key=f"points-reward:{summary.member.pk}:{form.cleaned_data['key']}",
            acting_user=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _page(request, summary=member_summary(user=request.user), status=400)
    messages.success(
        request,
        _("%(points)d points exchanged: your coupon %(coupon)s is ready to use.")
        % {"points": reward.points_cost, "coupon": coupon.template.display_name},
    )
    return redirect("customer:coupons")
