"""Members the next review will move down are told before it: by SMS once per review if they
agreed to texts, from the owner's number of days before; and on the dashboard."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from loyalty.conf import loyalty_settings
from loyalty.models import MemberTierState
from loyalty.services.tier_warnings import tier_warnings_send
from membership import sms
from tests.factories import MemberFactory, OrderFactory, TierFactory

pytestmark = pytest.mark.django_db
D = Decimal
REVIEW = timezone.make_aware(datetime(2027, 4, 1))
SIX_DAYS_BEFORE = REVIEW - timedelta(days=6)
TWELVE_DAYS_BEFORE = REVIEW - timedelta(days=12)


@pytest.fixture
def tiers():
    basic = TierFactory(code="basic", rank=1)
    core = TierFactory(code="core", rank=2, min_spend=D("1000"), window_months=12)
    return basic, core


def core_member(core, spent: str, *, consent=True):
    member = MemberFactory(
        tier=core, tier_since=REVIEW - timedelta(days=300), consent_marketing_sms=consent
    )
    OrderFactory(
        member=member, total=D(spent), subtotal=D(spent), created_at=REVIEW - timedelta(days=40)
    )
    return member


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """(members queued, the texts sent): queued after commit, and tasks run at once here."""

    def run(now):
        sms.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            count = tier_warnings_send(now=now)
        return count, [message.to for message in sms.outbox]

    return run


def test_members_moving_down_who_agreed_to_texts_are_queued_once_per_review(tiers, send):
    _basic, core = tiers
    falling = core_member(core, "580")
    silent = core_member(core, "580", consent=False)
    keeping = core_member(core, "1000")

    count, queued = send(SIX_DAYS_BEFORE)

    assert (count, queued) == (1, [str(falling.user.phone)])
    assert "2027-04-01" in sms.outbox[0].body and "move down" in sms.outbox[0].body
    state = MemberTierState.objects.get(member=falling)
    assert state.demotion_notice_for == REVIEW.date()
    assert not MemberTierState.objects.filter(member__in=[silent, keeping]).exists()
    assert send(SIX_DAYS_BEFORE + timedelta(days=1)) == (0, [])  # told already


def test_nobody_is_told_before_the_owners_days_or_when_the_owner_turned_it_off(tiers, send):
    _basic, core = tiers
    core_member(core, "580")

    assert send(TWELVE_DAYS_BEFORE) == (0, [])
    settings = loyalty_settings()
    settings.tier_warning_days = 0
    settings.save()
    assert send(SIX_DAYS_BEFORE) == (0, [])


def test_dashboard_warns_inside_the_window_and_only_informs_before_it(client, tiers):
    _basic, core = tiers
    member = core_member(core, "0.01")
    OrderFactory(
        member=member,
        total=D("100"),
        subtotal=D("100"),
        created_at=timezone.now() - timedelta(days=1),
    )
    client.force_login(member.user)
    settings = loyalty_settings()

    settings.tier_warning_days = 27  # every day of the month is inside the window
    settings.save()
    warned = client.get(reverse("customer:dashboard")).content.decode()
    settings.tier_warning_days = 0
    settings.save()
    informed = client.get(reverse("customer:dashboard")).content.decode()

    assert 'data-testid="tier-warning"' in warned and "to keep" in warned
    assert 'data-testid="tier-warning"' not in informed and "to keep" in informed
