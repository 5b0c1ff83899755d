"""The tier edit screen with a what-if: the owner tries new criteria before saving them.

"Preview the effect" validates the form like a save, then shows the next review's outcome
with the unsaved values (a dry run) next to the members' tiers now, and saves nothing. "Save and
re-tier now" saves, then runs the review at once (today is its period: the review is
idempotent per period, so a second click, or a day whose review already ran, changes
nobody and says when the change applies instead).
"""

import re

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.snippets.action_menu import ActionMenuItem

from loyalty.models import TierReviewRun
from loyalty.services.tier_review import period_start, tier_review_run
from membership.backoffice import next_monthly_review
from membership.models import Member, Tier
from membership.wagtail_hooks import TierEditView, TierViewSet
from portal.owner.what_if_effect import tier_what_if

PREVIEW = "what-if"  # the name of the buttons that preview (their value: "<up page>:<down page>")
APPLY_NOW = "apply-now"
SAMPLE_PAGE = 20
_PAGES = re.compile(r"^(\d{1,6}):(\d{1,6})$")


class TierWhatIfEditView(TierEditView):
    what_if = None

    @property
    def previewing(self) -> bool:
        return self.request.method == "POST" and PREVIEW in self.request.POST

    def form_valid(self, form):
        if self.previewing:
            return self._preview(form)
        response = super().form_valid(form)
        if APPLY_NOW in self.request.POST:
            self._apply_now()
        return response

    def form_invalid(self, form):
        if self.previewing:
            # Not "could not be saved": nothing was being saved.
            self.produced_error_message = gettext("Correct the errors below to see the effect.")
        return super().form_invalid(form)

    def _preview(self, form):
        """The form is valid: `form.instance` holds the unsaved values (nothing is saved)."""
        self.form = form
        self.what_if = tier_what_if(
            changed=form.instance, as_of=period_start(next_monthly_review())
        )
        up_page, down_page = 1, 1
        if match := _PAGES.match(self.request.POST.get(PREVIEW, "")):
            up_page, down_page = int(match[1]), int(match[2])
        return self.render_to_response(
            self.get_context_data(form=form, up_page=up_page, down_page=down_page)
        )

    def _apply_now(self):
        """Run today's review for every member, as the owner (an audit row, and the run with
        its tier changes names them). A review already run today is not run again."""
        today = timezone.localdate()
        try:
            result = tier_review_run(as_of=period_start(today), acting_user=self.request.user)
        except ValidationError as error:
            messages.error(self.request, " ".join(error.messages))
            return
        if result.already_done:
            messages.warning(
                self.request,
                gettext(
                    "Members were already reviewed today, so nobody was re-tiered now. The "
                    "change applies at the next monthly review, on %(date)s."
                )
                % {"date": formats.date_format(next_monthly_review(), "DATE_FORMAT")},
            )
            return
        messages.success(
            self.request,
            gettext(
                "Members re-tiered now: %(promoted)s promoted, %(demoted)s demoted "
                "(recorded as today's review, by you)."
            )
            % {
                "promoted": result.counts.get("promoted", 0),
                "demoted": result.counts.get("demoted", 0),
            },
        )

    def get_success_message(self, *args, **kwargs):
        if APPLY_NOW in self.request.POST:  # the review's own message follows
            return gettext("Tier '%(object)s' saved.") % {"object": self.object}
        return super().get_success_message(*args, **kwargs)

    def get_context_data(self, **kwargs):
        up_page = kwargs.pop("up_page", 1)
        down_page = kwargs.pop("down_page", 1)
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        context.update(
            next_review=next_monthly_review(),
            reviewed_today=TierReviewRun.objects.filter(period=today).exists(),
        )
        what_if = self.what_if
        if what_if is None:
            return context
        ups, downs = Paginator(what_if.ups, SAMPLE_PAGE), Paginator(what_if.downs, SAMPLE_PAGE)
        up, down = ups.get_page(up_page), downs.get_page(down_page)
        shown = [m.member_id for m in (*up.object_list, *down.object_list)]
        members = Member.objects.only("pk", "number", "name").in_bulk(shown)
        names = {share.tier.pk: share.tier.display_name for share in what_if.shares}

        def rows(page):
            return [
                (members.get(m.member_id), names.get(m.from_tier_id, "-"), names[m.to_tier_id])
                for m in page.object_list
            ]

        context.update(
            what_if=what_if,
            has_unsaved_changes=True,
            up_page=up,
            down_page=down,
            up_rows=rows(up),
            down_rows=rows(down),
        )
        return context


class TierWhatIfViewSet(TierViewSet):
    """The tier snippets with the what-if edit view (it runs the loyalty review, which the
    membership app may not import)."""

    edit_view_class = TierWhatIfEditView
    edit_template_name = "portal/owner/what_if_edit.html"


class TierActionMenuItem(ActionMenuItem):
    def is_shown(self, context):
        return (
            context.get("view") == "edit"
            and context.get("model") is Tier
            and super().is_shown(context)
        )


class PreviewEffectMenuItem(TierActionMenuItem):
    name = PREVIEW
    label = _("Preview the effect")
    icon_name = "view"
    order = 10


class ApplyNowMenuItem(TierActionMenuItem):
    name = APPLY_NOW
    label = _("Save and re-tier members now")
    icon_name = "rotate"
    order = 20
