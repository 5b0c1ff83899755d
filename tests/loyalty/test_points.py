from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from loyalty.engine.ledger import points_expiry
from loyalty.flows.points_expiry import points_warn_expiring
from loyalty.models import LoyaltySettings, PointsAccount, PointsEntry, PointsExpiryWarning
from loyalty.selectors.points import points_expiring_soon
from loyalty.services.points import (
    points_earn,
    points_expire_due,
    points_redeem,
    points_reverse,
)
from membership import sms
from tests.factories import MemberFactory, TierFactory
from tests.loyalty.helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _set(**values):
    row = LoyaltySettings.load()
    for name, value in values.items():
        setattr(row, name, value)
    row.save()


def _account(member) -> PointsAccount:
    return PointsAccount.objects.get(member=member)


def test_earn_applies_owner_rule_and_tier_multiplier_and_drops_fractions():
    _set(points_per_currency_unit=Decimal("1.5"))
    member = MemberFactory(tier=TierFactory(points_multiplier=Decimal("2")))

    entry = points_earn(
        member=member,
        base_amount=Decimal("33.30"),
        idempotency_key="o1",
        source_type="order",
        source_id="O1",
    )

    assert entry.amount == 99  # 33.30 × 1.5 × 2 = 99.9
    assert entry.source_id == "O1"
    assert _account(member).balance == 99


def test_earn_retried_with_same_key_returns_first_entry_and_writes_nothing():
    member = MemberFactory()
    first = points_earn(member=member, base_amount=Decimal("10"), idempotency_key="order-1:points")

    again = points_earn(member=member, base_amount=Decimal("10"), idempotency_key="order-1:points")

    assert again.pk == first.pk
    assert PointsEntry.objects.count() == 1
    assert _account(member).balance == 10


def test_earn_of_less_than_a_point_writes_nothing():
    member = MemberFactory()
    assert points_earn(member=member, base_amount=Decimal("0.99"), idempotency_key="k") is None
    assert not PointsEntry.objects.exists()


def test_redeem_spends_soonest_to_expire_first():
    _set(points_expiry_policy="months", points_expiry_months=12)
    member = MemberFactory()
    now = timezone.now()
    later = points_earn(member=member, base_amount=Decimal("50"), idempotency_key="a", now=now)
    _set(points_expiry_policy="months", points_expiry_months=1)
    sooner = points_earn(member=member, base_amount=Decimal("30"), idempotency_key="b", now=now)
    _set(points_expiry_policy="never")
    never = points_earn(member=member, base_amount=Decimal("20"), idempotency_key="c", now=now)

    redeem = points_redeem(member=member, points=60, idempotency_key="r")

    taken = {a.lot_id: a.points for a in redeem.allocations.all()}
    assert taken == {sooner.pk: 30, later.pk: 30}
    assert never.pk not in taken
    assert_ledger_consistent(_account(member))


def test_expiry_policies():
    earned = datetime(2025, 3, 31, 15, 0, tzinfo=SHANGHAI)
    assert points_expiry(earned_at=earned, policy="never", months=6) is None
    assert points_expiry(earned_at=earned, policy="months", months=11) == datetime(
        2026, 2, 28, 15, 0, tzinfo=SHANGHAI
    )
    assert points_expiry(earned_at=earned, policy="end_of_year", months=6) == datetime(
        2026, 1, 1, tzinfo=SHANGHAI
    )


def test_expire_due_writes_one_entry_per_lot_and_is_idempotent():
    _set(points_expiry_policy="months", points_expiry_months=1)
    member = MemberFactory()
    start = timezone.now()
    lot = points_earn(member=member, base_amount=Decimal("40"), idempotency_key="e1", now=start)
    points_redeem(member=member, points=15, idempotency_key="r1", now=start)
    after = start + timezone.timedelta(days=40)

    assert points_expire_due(now=after) == 25
    assert points_expire_due(now=after) == 0

    expired = PointsEntry.objects.get(kind="expire")
    assert expired.amount == -25 and expired.source_id == str(lot.pk)
    assert _account(member).balance == 0
    assert_ledger_consistent(_account(member))


def test_redeem_does_not_spend_points_that_have_expired():
    _set(points_expiry_policy="months", points_expiry_months=1)
    member = MemberFactory()
    start = timezone.now() - timezone.timedelta(days=60)
    points_earn(member=member, base_amount=Decimal("40"), idempotency_key="old", now=start)

    with pytest.raises(ValidationError, match="at most 0 points"):
        points_redeem(member=member, points=10, idempotency_key="r")
    assert PointsEntry.objects.count() == 1  # the refused redeem wrote nothing, not even the expiry


def test_reversing_an_earn_takes_points_back_but_never_below_zero():
    member = MemberFactory()
    earn = points_earn(member=member, base_amount=Decimal("100"), idempotency_key="e")
    points_redeem(member=member, points=70, idempotency_key="r")

    reversal = points_reverse(entry=earn, idempotency_key="rev")

    assert reversal.amount == -30
    assert "70 points were already spent" in reversal.reason
    assert reversal.reverses == earn
    assert _account(member).balance == 0
    with pytest.raises(ValidationError):
        points_reverse(entry=earn, points=80, idempotency_key="rev2")
    assert_ledger_consistent(_account(member))


def test_partial_reversal_of_an_earn_then_the_rest():
    member = MemberFactory()
    earn = points_earn(member=member, base_amount=Decimal("100"), idempotency_key="e")

    points_reverse(entry=earn, points=40, idempotency_key="p1")
    points_reverse(entry=earn, idempotency_key="p2")

    assert _account(member).balance == 0
    with pytest.raises(ValidationError, match="already reversed"):
        points_reverse(entry=earn, idempotency_key="p3")
    assert_ledger_consistent(_account(member))


def test_reversing_a_redeem_gives_points_back_once():
    member = MemberFactory()
    points_earn(member=member, base_amount=Decimal("100"), idempotency_key="e")
    redeem = points_redeem(member=member, points=60, idempotency_key="r")

    back = points_reverse(entry=redeem, idempotency_key="back")
    retry = points_reverse(entry=redeem, idempotency_key="back")

    assert back.amount == 60 and retry.pk == back.pk
    assert _account(member).balance == 100
    with pytest.raises(ValidationError, match="already reversed"):
        points_reverse(entry=redeem, idempotency_key="back-again")
    assert_ledger_consistent(_account(member))


def test_expired_points_cannot_be_reversed():
    _set(points_expiry_policy="months", points_expiry_months=1)
    member = MemberFactory()
    start = timezone.now() - timezone.timedelta(days=60)
    points_earn(member=member, base_amount=Decimal("10"), idempotency_key="e", now=start)
    points_expire_due()

    with pytest.raises(ValidationError, match="Only earned or redeemed"):
        points_reverse(entry=PointsEntry.objects.get(kind="expire"), idempotency_key="x")


def test_members_are_warned_before_points_expire_sms_only_with_consent(
    django_capture_on_commit_callbacks,
):
    _set(points_expiry_policy="months", points_expiry_months=1, points_warning_days=10)
    texted = MemberFactory(consent_marketing_sms=True)
    quiet = MemberFactory(consent_marketing_sms=False)
    earned = timezone.now() - timezone.timedelta(days=25)  # expires in about 5 days
    for member in (texted, quiet):
        points_earn(
            member=member, base_amount=Decimal("80"), idempotency_key=f"e{member.pk}", now=earned
        )

    with django_capture_on_commit_callbacks(execute=True):
        warned = points_warn_expiring()
    with django_capture_on_commit_callbacks(execute=True):
        warned_again = points_warn_expiring()

    assert (warned, warned_again) == (2, 0)
    assert PointsExpiryWarning.objects.count() == 2
    assert len(sms.outbox) == 1
    assert sms.outbox[0].to == str(texted.user.phone)
    assert "80" in sms.outbox[0].body
    soon = points_expiring_soon(account=_account(quiet))
    assert [p for _when, p in soon] == [80]


def test_expire_points_command_runs_both_jobs():
    _set(points_expiry_policy="months", points_expiry_months=1)
    member = MemberFactory()
    points_earn(
        member=member,
        base_amount=Decimal("5"),
        idempotency_key="e",
        now=timezone.now() - timezone.timedelta(days=45),
    )

    call_command("expire_points")

    assert _account(member).balance == 0
