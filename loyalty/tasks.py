"""Background jobs (django.tasks). The periodic ones carry their schedule (django-crontask,
in the shop's time zone); `manage.py crontask` runs the scheduler, which enqueues them for
the `db_worker` processes."""

from crontask import cron
from django.tasks import task
from django.utils.translation import gettext as _
from django.utils.translation import override

from loyalty.services.tier_review import current_period_start, tier_review_run
from membership.sms import send_sms


@cron("5 0 1 * *")  # 00:05 on the first of every month
@task
def run_tier_review() -> dict:
    """The monthly review for the current month (a second run of the month writes nothing)."""
    result = tier_review_run(as_of=current_period_start())
    return {
        "period": result.period.isoformat(),
        "already_done": result.already_done,
        **result.counts,
    }


@cron("15 3 * * *")  # every night at 03:15
@task
def run_points_expiry() -> dict:
    from loyalty.services.points import points_expire_due, points_warn_expiring

    return {"expired_points": points_expire_due(), "members_warned": points_warn_expiring()}


@task
def send_points_expiry_sms(*, member_id: int) -> bool:
    """Text a member who agreed to SMS how many points expire soon, and when."""
    from django.conf import settings

    from loyalty.selectors.points import points_expiring_soon
    from membership.models import Member

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
