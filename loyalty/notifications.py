"""Texts to members, sent by the background workers (django.tasks).

Flows queue these after their transaction commits; the tasks take ids, not objects. This is
a leaf module (it imports no service, flow or scheduled job), so flows can queue its tasks
while loyalty.tasks, which runs the flows on a schedule, imports the flows: no cycle.
"""

from django.conf import settings
from django.tasks import task
from django.utils.translation import gettext as _
from django.utils.translation import override

from loyalty.selectors.points import points_expiring_soon
from membership.models import Member
from membership.sms import send_sms


@task
def send_points_expiry_sms(*, member_id: int) -> bool:
    """Text a member who agreed to SMS how many points expire soon, and when."""
    member = Member.objects.select_related("user", "points_account").filter(pk=member_id).first()
    if member is None or not member.consent_marketing_sms or not member.user.phone:
        return False
    account = getattr(member, "points_account", None)
    soon = points_expiring_soon(account=account) if account else []
    if not soon:
        return False
    points = sum(p for _when, p in soon)
    first = soon[0][0]
    with override(settings.LANGUAGE_CODE):
        body = _(
            "%(points)d of your points expire soon (first on %(date)s). Use them before then."
        ) % {
            "points": points,
            "date": first.date().isoformat(),
        }
    send_sms(str(member.user.phone), body)
    return True


@task
def send_tier_warning_sms(*, member_id: int, review: str) -> bool:
    """Text a member who agreed to SMS that the review on `review` (ISO date) will move them
    down unless they order more before it."""
    member = Member.objects.select_related("user", "tier").filter(pk=member_id).first()
    if member is None or member.tier is None:
        return False
    if not member.consent_marketing_sms or not member.user.phone:
        return False
    with override(settings.LANGUAGE_CODE):
        body = _(
            "Your %(tier)s status is reviewed on %(date)s and will move down unless you order "
            "more before then. Your membership page shows what keeps it."
        ) % {"tier": member.tier.display_name, "date": review}
    send_sms(str(member.user.phone), body)
    return True
