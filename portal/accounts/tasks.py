"""Background work for accounts: text messages leave through the task worker, after commit."""

from django.tasks import task

from membership.sms import send_sms


@task
def sms_deliver(*, to: str, body: str) -> None:
    send_sms(to, body)
