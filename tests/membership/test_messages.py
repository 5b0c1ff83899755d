"""Member messages: posting (idempotent), the words in both languages, the channels and the
delivery task (consent, once per channel, the SMS ceiling)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils import timezone

from membership import sms
from membership.channels import MessageChannel, message_channels
from membership.member_pages import versions_bump
from membership.message_words import message_text
from membership.models import MemberMessage, MessageDelivery
from membership.services.messages import (
    member_message_post,
    member_messages_mark_read,
    member_notifications_set,
)
from membership.tasks import member_message_deliver
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
Kind = MemberMessage.Kind

BALANCE = {
    "entry_id": 1,
    "entry_kind": "top_up",
    "amount": "500.00",
    "bonus": "20.00",
    "balance_after": "520.00",
    "currency": "CNY",
    "source_type": "",
    "source_id": "",
}
REWARD = {
    "subject_en": "Happy birthday",
    "subject_zh": "生日快乐",
    "body_en": "A free shirt wash is waiting for you.",
    "body_zh": "送您一次免费衬衫洗涤。",
}


def post(member, *, key="k1", kind=Kind.BALANCE_CHANGED, data=None, **kwargs):
    return member_message_post(
        member_id=member.pk, kind=kind, data=data or BALANCE, idempotency_key=key, **kwargs
    )


# --- posting ---------------------------------------------------------------------------------


def test_posting_twice_with_one_key_keeps_one_message():
    member = MemberFactory()

    first = post(member)
    second = post(member, data={**BALANCE, "amount": "1.00"})

    assert second.pk == first.pk
    assert second.data["amount"] == "500.00"
    assert MemberMessage.objects.filter(member=member).count() == 1


def test_a_key_used_for_another_member_is_refused():
    post(MemberFactory())
    with pytest.raises(ValidationError, match="already used"):
        post(MemberFactory())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "nonsense"},
        {"key": ""},
        {"key": "x" * 201},
        {"data": {"amount": Decimal("1")}},  # amounts go in as strings
    ],
)
def test_bad_posts_are_refused_and_write_nothing(kwargs):
    member = MemberFactory()
    with pytest.raises(ValueError):
        post(member, **kwargs)
    assert not MemberMessage.objects.exists()


def test_marking_read_touches_only_that_members_unread_messages():
    member, other = MemberFactory(), MemberFactory()
    mine = [post(member, key=f"m{n}") for n in range(3)]
    theirs = post(other, key="o1")

    assert member_messages_mark_read(member_id=member.pk, message_ids=[mine[0].pk, theirs.pk]) == 1
    assert member_messages_mark_read(member_id=member.pk, message_ids=[]) == 0
    assert member_messages_mark_read(member_id=member.pk) == 2
    assert member_messages_mark_read(member_id=member.pk) == 0

    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert not MemberMessage.objects.filter(member=member, read_at__isnull=True).exists()


# --- words -----------------------------------------------------------------------------------


def test_a_balance_notice_says_what_how_much_the_balance_after_and_when():
    member = MemberFactory()
    when = timezone.make_aware(timezone.datetime(2026, 11, 23, 14, 5))
    message = post(member, created_at=when)

    english = message_text(message, language="en")
    chinese = message_text(message, language="zh-hans")

    assert english.subject == "Stored value changed"
    assert english.body == (
        "Top-up +¥500.00, balance after ¥520.00 (11/23/2026 2:05 p.m.).\n"
        "Includes a bonus of ¥20.00."
    )
    assert english.summary == "Top-up +¥500.00, balance after ¥520.00 (11/23/2026 2:05 p.m.)."
    # In the reader's language: Chinese dates and money (the words come from the catalog).
    assert "2026年11月23日 14:05" in chinese.body and "¥520.00" in chinese.body


def test_a_payment_notice_shows_a_minus_and_the_order():
    member = MemberFactory()
    data = {**BALANCE, "entry_kind": "pay", "amount": "-45.00", "bonus": ""}
    data |= {"balance_after": "155.00", "source_type": "order", "source_id": "O123"}
    text = message_text(post(member, data=data), language="en")
    assert "Payment −¥45.00" in text.body and "O123" in text.body and "bonus" not in text.body


def test_owner_written_messages_in_each_language_and_english_falls_back_to_chinese():
    member = MemberFactory()
    reward = post(member, kind=Kind.REWARD, data=REWARD)
    chinese_only = post(
        member, key="k2", kind=Kind.CUSTOM, data={"subject_zh": "通知", "body_zh": "明天休息。"}
    )

    assert message_text(reward, language="en").subject == "Happy birthday"
    assert message_text(reward, language="zh-hans").body == "送您一次免费衬衫洗涤。"
    assert message_text(chinese_only, language="en").body == "明天休息。"
    assert message_text(post(member, key="k3", kind=Kind.REWARD, data={})).subject


@pytest.mark.parametrize(
    ("kind", "data", "english"),
    [
        (Kind.COUPON_ISSUED, {"name_zh": "满200减50", "name_en": "50 off 200"}, "50 off 200"),
        (Kind.PACKAGE_GRANTED, {"name_zh": "西装月卡", "name_en": ""}, "西装月卡"),
        (Kind.POINTS_GRANTED, {"points": 88}, "88 points"),
        (Kind.POINTS_GRANTED, {"points": 5, "rule_zh": "生日", "rule_en": "Birthday"}, "Birthday"),
    ],
)
def test_every_kind_has_words(kind, data, english):
    message = post(MemberFactory(), kind=kind, data=data)
    assert english in message_text(message, language="en").body
    assert message_text(message, language="zh-hans").body


# --- delivery --------------------------------------------------------------------------------


def queued_work(callbacks) -> list:
    """The after-commit callbacks other than the member page versions' second bump."""
    return [c for c in callbacks if getattr(c, "func", None) is not versions_bump]


def consenting(**flags):
    member = MemberFactory()
    member_notifications_set(
        member=member,
        notify_by_sms=flags.get("sms", False),
        notify_by_email=flags.get("email", False),
    )
    return member


def test_a_notice_goes_by_sms_and_email_after_commit_with_consent(
    django_capture_on_commit_callbacks,
):
    member = consenting(sms=True, email=True)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = post(member)
        assert sms.outbox == [] and mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()

    assert len(sms.outbox) == 1 and sms.outbox[0].to == str(member.user.phone)
    assert "¥520.00" in sms.outbox[0].body
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [member.user.email]
    assert set(message.deliveries.values_list("channel", flat=True)) == {"sms", "email"}


def test_a_rolled_back_change_posts_and_sends_nothing(django_capture_on_commit_callbacks):
    member = consenting(sms=True)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        post(member)
        raise RuntimeError
    assert not MemberMessage.objects.exists() and sms.outbox == []


def test_without_consent_nothing_is_queued_or_sent(django_capture_on_commit_callbacks):
    member = consenting()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = post(member)
    assert queued_work(callbacks) == []
    assert member_message_deliver.call(message_id=message.pk) == {
        "sms": "no consent",
        "email": "no consent",
    }
    assert sms.outbox == [] and mail.outbox == []


def test_the_task_run_twice_sends_once_per_channel():
    member = consenting(sms=True, email=True)
    message = post(member)

    first = member_message_deliver.call(message_id=message.pk)
    second = member_message_deliver.call(message_id=message.pk)

    assert first == {"sms": "sent", "email": "sent"}
    assert second == {"sms": "already sent", "email": "already sent"}
    assert len(sms.outbox) == 1 and len(mail.outbox) == 1


def test_service_consent_does_not_cover_marketing_and_back(settings):
    settings.LANGUAGE_CODE = "zh-hans"  # texts go out in the shop's language
    notices_only = consenting(sms=True, email=True)
    reward = post(notices_only, key="r1", kind=Kind.REWARD, data=REWARD)
    assert member_message_deliver.call(message_id=reward.pk) == {
        "sms": "no consent",
        "email": "no consent",
    }

    offers_only = MemberFactory(consent_marketing_sms=True, consent_marketing_email=True)
    balance = post(offers_only, key="b1")
    reward = post(offers_only, key="r2", kind=Kind.REWARD, data=REWARD)
    assert member_message_deliver.call(message_id=balance.pk)["sms"] == "no consent"
    assert member_message_deliver.call(message_id=reward.pk) == {"sms": "sent", "email": "sent"}
    assert sms.outbox[0].body.startswith("生日快乐")  # the shop's language
    assert len(sms.outbox) == 1 and len(mail.outbox) == 1


def test_no_phone_or_no_email_means_that_channel_is_skipped():
    member = consenting(sms=True, email=True)
    member.user.phone = None
    member.user.email = ""
    member.user.save()
    message = post(member)
    assert member_message_deliver.call(message_id=message.pk) == {
        "sms": "no consent",
        "email": "no consent",
    }


def test_the_sms_hourly_ceiling_holds_for_notices(settings):
    settings.SMS_HOURLY_LIMIT = 1
    member = consenting(sms=True)
    first, second = post(member, key="a"), post(member, key="b")

    assert member_message_deliver.call(message_id=first.pk)["sms"] == "sent"
    assert member_message_deliver.call(message_id=second.pk)["sms"] == "not sent"

    assert len(sms.outbox) == 1
    # Not recorded as delivered: a later run (next hour) may still send it.
    assert not MessageDelivery.objects.filter(message=second).exists()


def test_a_back_dated_change_goes_to_the_inbox_only(django_capture_on_commit_callbacks):
    member = consenting(sms=True, email=True)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post(member, created_at=timezone.now() - timedelta(days=30))
    assert queued_work(callbacks) == [] and sms.outbox == []


def test_a_missing_message_is_nothing_to_deliver():
    assert member_message_deliver.call(message_id=999999) == {}


# --- the channel registry --------------------------------------------------------------------

fake_sent: list[tuple[int, str]] = []


class FakeChannel(MessageChannel):
    """What a WeChat channel would be: one class, named in PORTAL_MESSAGE_CHANNELS."""

    name = "fake"

    def may_send(self, member, message) -> bool:
        return member.name != "No Fake"

    def send(self, member, message, text) -> bool:
        fake_sent.append((message.pk, text.subject))
        return True


class BrokenChannel(FakeChannel):
    name = "broken"

    def send(self, member, message, text) -> bool:
        raise ConnectionError("gateway down")


class NotAChannel:
    name = "nope"


def test_a_custom_channel_class_is_used_once(settings, django_capture_on_commit_callbacks):
    settings.PORTAL_MESSAGE_CHANNELS = [
        "tests.membership.test_messages.BrokenChannel",
        "tests.membership.test_messages.FakeChannel",
    ]
    fake_sent.clear()
    member = MemberFactory(name="Ann")

    with django_capture_on_commit_callbacks(execute=True):
        message = post(member)
    again = member_message_deliver.call(message_id=message.pk)

    assert fake_sent == [(message.pk, "Stored value changed")]
    assert again == {"broken": "not sent", "fake": "already sent"}
    assert list(message.deliveries.values_list("channel", flat=True)) == ["fake"]
    assert sms.outbox == [] and mail.outbox == []  # only the configured channels


def test_a_custom_channel_can_refuse_a_member(settings):
    settings.PORTAL_MESSAGE_CHANNELS = ["tests.membership.test_messages.FakeChannel"]
    message = post(MemberFactory(name="No Fake"))
    assert member_message_deliver.call(message_id=message.pk) == {"fake": "no consent"}


@pytest.mark.parametrize(
    "paths",
    [
        ["tests.membership.test_messages.NotAChannel"],
        ["tests.membership.test_messages.FakeChannel"] * 2,
    ],
)
def test_a_wrong_channel_setting_is_a_clear_configuration_error(settings, paths):
    settings.PORTAL_MESSAGE_CHANNELS = paths
    with pytest.raises(ImproperlyConfigured):
        message_channels()
