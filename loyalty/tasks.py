"""Background jobs (django.tasks). The periodic ones carry their schedule (django-crontask,
in the shop's time zone); `manage.py crontask` runs the scheduler, which enqueues them for
the `db_worker` processes.

These are entry points, the outermost layer of the app: they may call flows and services,
and nothing in loyalty or membership imports them. Tasks that flows queue (texts to
members) live in loyalty.notifications."""

from crontask import cron
from django.tasks import task

from loyalty.flows.points_expiry import points_warn_expiring
from loyalty.flows.reward_rules import rules_process_events, rules_run_scheduled
from loyalty.models import RuleTrigger
from loyalty.services.points import points_expire_due
from loyalty.services.report_summary import report_summary_fill_missing
from loyalty.services.segments import segments_recompute_all
from loyalty.services.tier_review import current_period_start, tier_review_run
from loyalty.services.tier_warnings import tier_warnings_send


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


@cron("45 0 1 * *")  # 00:45 on the 1st, after the review has moved members for the new month
@task
def run_report_summary() -> dict:
    """The owner reports' counts of the month just ended (and any recent month missing)."""
    filled = report_summary_fill_missing(months=12)
    return {"months": [month.isoformat() for month in filled]}


@cron("15 3 * * *")  # every night at 03:15
@task
def run_points_expiry() -> dict:
    return {"expired_points": points_expire_due(), "members_warned": points_warn_expiring()}


@cron("0 10 * * *")  # every day at 10:00, a decent hour for a text
@task
def run_tier_warnings() -> dict:
    """Text members the next review will move down, from the owner's days before it."""
    return {"members_texted": tier_warnings_send()}


@cron("* * * * *")  # every minute: rewards follow orders, top-ups and tier changes quickly
@task
def run_reward_rules_on_events() -> dict:
    """Apply the reward rules to member events no rule has read yet (off the counter's path)."""
    return {"rewards": rules_process_events()}


@cron("0 9 * * *")  # every day at 09:00: daily rules and birthdays
@task
def run_daily_reward_rules() -> dict:
    return {
        "daily": rules_run_scheduled(trigger=RuleTrigger.DAILY),
        "birthday": rules_run_scheduled(trigger=RuleTrigger.BIRTHDAY),
    }


@cron("30 0 1 * *")  # 00:30 on the 1st, after the monthly tier review
@task
def run_monthly_reward_rules() -> dict:
    return {"monthly_review": rules_run_scheduled(trigger=RuleTrigger.MONTHLY_REVIEW)}


@cron("30 2 * * *")  # every night at 02:30
@task
def run_segments() -> dict:
    """Every member's lifecycle stage, RFM scores, value group and dynamic tags."""
    result = segments_recompute_all()
    return {
        "members": result.members,
        "tags_added": result.tags_added,
        "tags_removed": result.tags_removed,
        "duration_ms": result.duration_ms,
    }
