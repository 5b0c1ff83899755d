"""Staff put static tags on a member and take them off; dynamic tags are shown read-only."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from membership.selectors.panel import member_by_number
from membership.selectors.tags import member_tag_choices, tag_by_code
from membership.services.tags import member_tag_add, member_tag_remove
from portal.permissions import staff_required


@require_http_methods(["GET", "POST"])
@staff_required
def member_tags(request, number: str):
    """GET: the toggles. POST tag=<code>, action=add|remove: change one, then back here."""
    member = member_by_number(number=number)
    if member is None:
        raise Http404
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        tag = tag_by_code(code=request.POST.get("tag", ""))
        if tag is None or action not in ("add", "remove"):
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
