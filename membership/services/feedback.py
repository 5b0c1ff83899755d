"""Member feedback after an order; a complaint or a low rating opens a staff follow-up."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from membership.models import FollowUpTask, Member, Order, OrderFeedback
from membership.services.followups import followup_create, shop_language

LOW_RATING = 2  # this or lower opens a follow-up
MAX_COMMENT = 2000


@transaction.atomic
def feedback_submit(
    *,
    member: Member,
    order: Order,
    rating: int,
    comment: str = "",
    is_complaint: bool = False,
) -> OrderFeedback:
    """The member rates their own order once (1–5) with an optional comment or complaint."""
    if order.member_id != member.pk:
        raise ValidationError(_("This order is not yours."), code="not_yours")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Choose a rating from 1 to 5.")}, code="rating")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError(
            {"comment": _("Keep it under %(max)d characters.") % {"max": MAX_COMMENT}}
        )
    if is_complaint and not comment:
        raise ValidationError(
            {"comment": _("Tell us what went wrong so we can put it right.")},
            code="complaint_without_text",
        )
    if OrderFeedback.objects.filter(order=order).exists():
        raise ValidationError(_("You have already rated this order."), code="already_rated")
    try:
        with transaction.atomic():
            feedback = OrderFeedback.objects.create(
                order=order,
                member=member,
                rating=rating,
                comment=comment,
                is_complaint=bool(is_complaint),
            )
    except IntegrityError:  # a double submit raced past the check above
        raise ValidationError(
            _("You have already rated this order."), code="already_rated"
        ) from None
    if is_complaint or rating <= LOW_RATING:
        with shop_language():
            if is_complaint:
                reason = _("Complaint about order %(number)s: call the member back") % {
                    "number": order.number
                }
            else:
                reason = _(
                    "Low rating (%(rating)d/5) for order %(number)s: call the member back"
                ) % {
                    "rating": rating,
                    "number": order.number,
                }
        followup_create(
            member=member,
            order=order,
            source=FollowUpTask.Source.FEEDBACK,
            reason=reason,
            details=comment,
        )
    return feedback
