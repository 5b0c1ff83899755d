"""The periodic jobs carry their schedules, in the shop's time zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

from crontask import scheduler
from django.conf import settings

import loyalty.tasks  # noqa: F401 - registers the schedules, as `manage.py crontask` does


def next_run(name: str, after: datetime) -> datetime:
    job = next(job for job in scheduler.get_jobs() if job.name == name)
    return job.trigger.get_next_fire_time(None, after)


def test_the_tier_review_runs_just_after_midnight_on_the_first_of_each_month():
    shop = ZoneInfo(settings.TIME_ZONE)
    after = datetime(2026, 11, 23, 9, 0, tzinfo=shop)

    assert next_run("run_tier_review", after) == datetime(2026, 12, 1, 0, 5, tzinfo=shop)


def test_points_expire_every_night():
    shop = ZoneInfo(settings.TIME_ZONE)
    after = datetime(2026, 11, 23, 9, 0, tzinfo=shop)

    assert next_run("run_points_expiry", after) == datetime(2026, 11, 24, 3, 15, tzinfo=shop)
