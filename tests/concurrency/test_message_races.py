"""Member messages under real concurrency (PostgreSQL, real threads): one message per key,
one text per message and channel, however many workers run at once."""

import pytest
from django.db import connection

from membership import sms
from membership.models import MemberMessage, MessageDelivery
from membership.services.messages import member_message_post
from membership.tasks import member_message_deliver
from tests.concurrency.threads import run_together
from tests.factories import MemberFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and real threads need PostgreSQL"
    ),
]

DATA = {"entry_kind": "top_up", "amount": "100.00", "balance_after": "100.00"}


def post(member, key):
    return lambda: member_message_post(
        member_id=member.pk,
        kind=MemberMessage.Kind.BALANCE_CHANGED,
        data=DATA,
        idempotency_key=key,
    )


def test_the_same_notice_posted_twice_at_once_is_one_message():
    member = MemberFactory()  # no consent: nothing is queued, only the posting races

    results = run_together([post(member, "same"), post(member, "same"), post(member, "same")])

    assert all(isinstance(r, MemberMessage) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert MemberMessage.objects.count() == 1


def test_two_workers_delivering_one_message_text_it_once():
    member = MemberFactory(notify_by_sms=True)
    message = MemberMessage.objects.create(
        member=member, kind=MemberMessage.Kind.BALANCE_CHANGED, data=DATA, idempotency_key="k"
    )
    sms.outbox.clear()

    results = run_together(
        [lambda: member_message_deliver.call(message_id=message.pk) for _ in range(3)]
    )

    assert sorted(r["sms"] for r in results) == ["already sent", "already sent", "sent"]
    assert len(sms.outbox) == 1
    assert MessageDelivery.objects.filter(message=message, channel="sms").count() == 1
