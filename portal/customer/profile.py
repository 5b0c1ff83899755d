"""The member's own profile (customer archive): always the logged-in member's, never by id."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from loyalty.selectors.tier_history import member_tier_changes
from membership.selectors.profile import member_profile_for_user, service_categories_for_profile
from membership.services.messages import member_notifications_set
from membership.services.profile import member_update_profile
from portal.accounts.selectors import login_identities

from .forms import ProfileForm

PROFILE_TIER_CHANGES = 5  # the rest on the tier page, paginated


@require_http_methods(["GET", "POST"])
@login_required
def profile(request):
    member = member_profile_for_user(user=request.user)
    if member is None:
        if request.user.has_perm("membership.use_counter"):
            return redirect("counter:home")
        return render(request, "portal/customer/no_member.html", status=404)

    categories = service_categories_for_profile()
    if request.method == "POST":
        form = ProfileForm(request.POST, categories=categories)
        if form.is_valid():
            data = dict(form.cleaned_data)
            notices = {field: data.pop(field) for field in ProfileForm.NOTICE_FIELDS}
            try:
                with transaction.atomic():  # the profile and the notice choices, or neither
                    member_update_profile(member=member, **data)
                    member_notifications_set(member=member, **notices)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("customer:profile")
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(member), categories=categories)
    return render(
        request,
        "portal/customer/profile.html",
        {
            "member": member,
            "logins": login_identities(user=member.user),
            "form": form,
            "tier_changes": list(member_tier_changes(member)[:PROFILE_TIER_CHANGES]),
        },
    )
