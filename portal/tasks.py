"""Periodic jobs of the web front (django-crontask loads every app's `tasks` module; the
schedules are in the shop's time zone). They run on the `db_worker` processes.

Booking reminders live here rather than in membership because the message carries a link to
a member page (portal.customer.booking_links): membership decides what is due and posts it,
the portal says where the link leads."""

from crontask import cron
from django.tasks import task

from membership.services.booking_reminders import booking_reminders_send
from portal.customer.booking_links import reminder_link


@cron("*/10 * * * *")  # every 10 minutes: the hour-before reminder goes 50-60 minutes ahead
@task
def send_booking_reminders() -> dict:
    """The evening-before (from 18:00) and hour-before reminders due now, each once."""
    return booking_reminders_send(link_for=reminder_link)
