"""Staff put static tags on a member and take them off; dynamic tags are shown read-only."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from membership.selectors.tags import member_tag_choices, tag_by_code
from membership.services.tags import member_tag_add, member_tag_remove
from portal.counter.lookup import counted_member, lookups_limited
from portal.permissions import staff_required


class TagChangeForm(forms.Form):
    """What a toggle posts; a code that is no slug (NUL bytes, overlong) never reaches a query."""

    tag = forms.SlugField(max_length=40)
    action = forms.ChoiceField(choices=[("add", "add"), ("remove", "remove")])


@require_http_methods(["GET", "POST"])
@staff_required
@lookups_limited
def member_tags(request, number: str):
    """GET: the toggles. POST tag=<code>, action=add|remove: change one, then back here."""
    member = counted_member(request, number)
    error = None
    if request.method == "POST":
        form = TagChangeForm(request.POST)
        action = form.cleaned_data["action"] if form.is_valid() else None
        tag = tag_by_code(code=form.cleaned_data["tag"]) if action else None
        if tag is None:
            error = _("Choose a tag to add or remove.")
        else:
            service = member_tag_add if action == "add" else member_tag_remove
            try:
                service(member=member, tag=tag, acting_user=request.user)
            except ValidationError as exc:
                error = exc.messages[0]
            else:
                if action == "add":
                    messages.success(request, _("Tag “%(tag)s” added.") % {"tag": tag.display_name})
                else:
                    messages.success(
                        request, _("Tag “%(tag)s” removed.") % {"tag": tag.display_name}
                    )
                return redirect("counter:member_tags", number=member.number)
    return render(
        request,
        "portal/counter/tags.html",
        {"member": member, "choices": member_tag_choices(member=member), "error": error},
        status=400 if error else 200,
    )
