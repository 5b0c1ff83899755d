"""Background work for accounts: text messages leave through the task worker, after commit."""

from django.tasks import task

from membership.sms import send_sms_within_ceiling


@task
def sms_deliver(*, to: str, body: str) -> bool:
    """Send a sign-in text (code or account notice) unless this hour's SMS ceiling is reached."""
    return send_sms_within_ceiling(to, body)
