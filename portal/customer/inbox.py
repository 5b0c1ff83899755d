"""The member's inbox: the shop's messages, newest first. Showing a page marks the
messages on it read; "Mark all read" marks every one."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from loyalty.selectors.dashboard import member_summary
from membership.message_words import MessageText, message_text
from membership.models import MemberMessage
from membership.selectors.messages import member_inbox
from membership.services.messages import member_messages_mark_read

PAGE_SIZE = 20


@dataclass(frozen=True)
class InboxRow:
    message: MemberMessage
    text: MessageText
    unread: bool  # unread when the page was opened (it is marked read as it is shown)


@require_http_methods(["GET", "POST"])
@login_required
def inbox(request):
    summary = member_summary(user=request.user)
    if summary is None:
        if request.user.has_perm("membership.use_counter"):
            return redirect("counter:home")
        return render(request, "portal/customer/no_member.html", status=404)
    member = summary.member
    if request.method == "POST":
        marked = member_messages_mark_read(member_id=member.pk)
        if marked:
            messages.success(request, _("All messages are marked read."))
        return redirect("customer:inbox")
    page = Paginator(member_inbox(member_id=member.pk), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [InboxRow(m, message_text(m), m.read_at is None) for m in page]
    unread_ids = [row.message.pk for row in rows if row.unread]
    if unread_ids:
        member_messages_mark_read(member_id=member.pk, message_ids=unread_ids)
    return render(
        request,
        "portal/customer/inbox.html",
        {"summary": summary, "page": page, "rows": rows, "has_unread_shown": bool(unread_ids)},
    )
