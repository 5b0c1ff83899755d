"""Exports: the monthly consumption file checked row by row against a hand-made fixture (month
boundaries in the shop's time zone, a refunded order), segment exports, the schedule, the
retention, and a query count that does not grow with the number of members."""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from crontask import scheduler
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage, storages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from loyalty.models import (
    EntryKind,
    ExportJob,
    LifecycleStage,
    MemberSegment,
    PointsAccount,
    PointsEntry,
    TierChange,
    ValueGroup,
    WalletAccount,
    WalletEntry,
)
from loyalty.selectors.exports import month_bounds, monthly_consumption_rows
from loyalty.services.exports import (
    RETENTION_DAYS,
    export_generate,
    export_monthly_scheduled,
    export_purge_expired,
    export_request,
)
from loyalty.tasks import run_export, run_monthly_export
from membership.models import MemberTag, Order, StaffAction, Tag
from tests.factories import MemberFactory, OrderFactory, TierFactory
from tests.loyalty.helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db

SHOP = ZoneInfo(django_settings.TIME_ZONE)
OCTOBER = date(2026, 10, 1)


@pytest.fixture(autouse=True)
def private_exports_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHOP)


def order(
    member, when, *, total="100.00", status=Order.Status.COMPLETED, points_redeemed=0, **money
):
    money.setdefault("cash_amount", Decimal(total) - sum(money.values(), Decimal("0")))
    return OrderFactory(
        member=member,
        created_at=when,
        status=status,
        subtotal=Decimal(total),
        total=Decimal(total),
        points_redeemed=points_redeemed,
        **money,
    )


def top_up(member, when, principal, bonus):
    account = WalletAccount.objects.create(member=member)
    amount = Decimal(principal) + Decimal(bonus)
    WalletEntry.objects.create(
        account=account,
        kind=EntryKind.TOP_UP,
        currency=account.currency,
        amount=amount,
        principal_amount=Decimal(principal),
        bonus_amount=Decimal(bonus),
        balance_after=amount,
        idempotency_key=f"top-up-{member.pk}",
        created_at=when,
    )
    WalletAccount.objects.filter(pk=account.pk).update(
        principal=Decimal(principal), bonus=Decimal(bonus)
    )
    return account


def grant(member, when, points):
    account = PointsAccount.objects.create(member=member, balance=points)
    PointsEntry.objects.create(
        account=account,
        kind=EntryKind.GRANT,
        amount=points,
        balance_after=points,
        idempotency_key=f"grant-{member.pk}",
        created_at=when,
    )
    return account


@pytest.fixture
def shop_month():
    """October 2026 in Shanghai, by hand (UTC+8)."""
    bronze, silver, gold = (TierFactory(name_en=n, name_zh=n) for n in ("Bronze", "Silver", "Gold"))
    ann = MemberFactory(number="A0001", name="Ann", tier=silver, joined_at=at(2026, 9, 1))
    # 1 Oct 00:30 in Shanghai is still 30 Sep in UTC: October's.
    order(ann, at(2026, 10, 1, 0, 30), total="100.00", wallet_amount=Decimal("40.00"))
    Order.objects.filter(member=ann).update(points_earned=10)
    # 30 Sep 23:30 in Shanghai: September's.
    order(ann, at(2026, 9, 30, 23, 30), total="70.00")
    # The last minute of October counts; the first of November does not.
    order(
        ann,
        at(2026, 10, 31, 23, 59),
        total="50.00",
        points_amount=Decimal("2.00"),
        points_redeemed=20,
    )
    order(ann, at(2026, 11, 1, 0, 0), total="999.00")
    # Refunded: counts nowhere.
    order(ann, at(2026, 10, 12), total="300.00", status=Order.Status.REFUNDED)
    wallet = top_up(ann, at(2026, 10, 15, 9), "500.00", "50.00")
    points = grant(ann, at(2026, 10, 20), 30)
    TierChange.objects.create(
        member=ann, from_tier=bronze, to_tier=gold, reason="promotion", occurred_at=at(2026, 10, 10)
    )
    TierChange.objects.create(
        member=ann, from_tier=gold, to_tier=silver, reason="demotion", occurred_at=at(2026, 11, 5)
    )

    # Moved up only after the month: at the month's end Bob was still Bronze.
    bob = MemberFactory(number="B0002", name="Bob", tier=silver, joined_at=at(2026, 8, 1))
    TierChange.objects.create(
        member=bob,
        from_tier=bronze,
        to_tier=silver,
        reason="promotion",
        occurred_at=at(2026, 11, 2),
    )
    # Joined in November: not in October's export.
    MemberFactory(number="C0003", tier=None, joined_at=at(2026, 11, 2))
    # No tier, never moved.
    dan = MemberFactory(number="D0004", name="=HYPERLINK(1)", tier=None, joined_at=at(2026, 10, 5))
    return {"ann": ann, "bob": bob, "dan": dan, "wallet": wallet, "points": points}


def test_month_bounds_are_in_the_shops_time_zone():
    start, end = month_bounds(date(2026, 12, 1))
    assert start == at(2026, 12, 1) and end == at(2027, 1, 1)
    assert start.utcoffset() == timedelta(hours=8)


def test_monthly_rows_by_hand(shop_month):
    rows = list(monthly_consumption_rows(month=OCTOBER))
    ann, bob, dan = shop_month["ann"], shop_month["bob"], shop_month["dan"]
    assert rows == [
        [
            "2026-10",
            "A0001",
            "Ann",
            str(ann.user.phone),
            "Gold",
            2,
            Decimal("150.00"),
            Decimal("40.00"),
            Decimal("500.00"),
            Decimal("50.00"),
            10,
            20,
            30,
        ],
        [
            "2026-10",
            "B0002",
            "Bob",
            str(bob.user.phone),
            "Bronze",
            0,
            Decimal("0"),
            Decimal("0"),
            Decimal("0"),
            Decimal("0"),
            0,
            0,
            0,
        ],
        [
            "2026-10",
            "D0004",
            "=HYPERLINK(1)",
            str(dan.user.phone),
            "",
            0,
            Decimal("0"),
            Decimal("0"),
            Decimal("0"),
            Decimal("0"),
            0,
            0,
            0,
        ],
    ]
    assert_ledger_consistent(shop_month["wallet"])
    assert_ledger_consistent(shop_month["points"])


def _csv(job) -> list[list[str]]:
    with job.csv_file.open("rb") as handle:
        return list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig"))))


def _xlsx(job) -> list[tuple]:
    with job.xlsx_file.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read()), read_only=True).active
        return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_the_owners_monthly_export_writes_csv_and_excel(shop_month, owner_user):
    job = export_request(kind="monthly", parameters={"month": "2026-10"}, acting_user=owner_user)
    assert StaffAction.objects.filter(actor=owner_user, action="export.requested").exists()

    run_export.call(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.rows) == (ExportJob.Status.DONE, 3)
    lines = _csv(job)
    assert lines[0][:5] == ["Month", "Member number", "Name", "Phone", "Tier at month end"]
    assert lines[1][1:2] + lines[1][4:] == [
        "A0001",
        "Gold",
        "2",
        "150.00",
        "40.00",
        "500.00",
        "50.00",
        "10",
        "20",
        "30",
    ]
    assert [line[1] for line in lines[1:]] == ["A0001", "B0002", "D0004"]
    # A name a spreadsheet would run as a formula is written as text; a phone is not touched.
    assert lines[3][2] == "'=HYPERLINK(1)"
    assert lines[1][3] == str(shop_month["ann"].user.phone)

    sheet = _xlsx(job)
    assert len(sheet) == 4
    assert sheet[1][1] == "A0001" and sheet[1][4] == "Gold"
    assert Decimal(str(sheet[1][6])) == Decimal("150")
    assert sheet[3][2] == "'=HYPERLINK(1)"


def test_export_files_are_not_in_public_storage(shop_month, owner_user):
    job = export_request(kind="monthly", parameters={"month": "2026-10"}, acting_user=owner_user)
    export_generate(job_id=job.pk)
    job.refresh_from_db()
    assert storages["exports"].exists(job.csv_file.name)
    assert storages["exports"].exists(job.xlsx_file.name)
    assert not default_storage.exists(job.csv_file.name)
    with pytest.raises(NotImplementedError):
        job.csv_file.url  # noqa: B018 - no public address, ever


@pytest.mark.parametrize(
    "month", ["2026-13", "26-10", "", None, "2026-10-01", "９９９９-01", "3000-01"]
)
def test_a_bad_month_is_refused_and_nothing_written(owner_user, month):
    with pytest.raises(ValidationError):
        export_request(kind="monthly", parameters={"month": month}, acting_user=owner_user)
    assert not ExportJob.objects.exists()


def test_a_month_not_started_is_refused(owner_user):
    with pytest.raises(ValidationError):
        export_request(kind="monthly", parameters={"month": "2999-01"}, acting_user=owner_user)


def _segment(member, stage, group="", scores=(None, None, None)):
    return MemberSegment.objects.create(
        member=member,
        lifecycle_stage=stage,
        value_group=group,
        recency_score=scores[0],
        frequency_score=scores[1],
        monetary_score=scores[2],
    )


def test_a_segment_export_holds_exactly_the_filtered_members(owner_user):
    coats = Tag.objects.create(code="coats", name_en="Coats", name_zh="大衣")
    silk = Tag.objects.create(code="silk", name_en="Silk", name_zh="丝绸")
    wanted = []
    for i in range(6):
        member = MemberFactory(number=f"S{i:04d}")
        active = i % 2 == 0
        _segment(
            member,
            LifecycleStage.ACTIVE if active else LifecycleStage.SLEEPING,
            ValueGroup.BIG,
            (5, 4, 3) if i < 4 else (1, 1, 1),
        )
        if i != 2:
            MemberTag.objects.create(member=member, tag=coats)
        MemberTag.objects.create(member=member, tag=silk)  # two tags: still one row
        if active and i != 2 and i < 4:
            wanted.append(member.number)
    assert wanted == ["S0000"]
    job = export_request(
        kind="segment",
        parameters={"lifecycle_stage": "active", "recency_score": "5", "tag": str(coats.pk)},
        acting_user=owner_user,
    )
    run_export.call(job_id=job.pk)
    job.refresh_from_db()
    lines = _csv(job)
    assert [line[0] for line in lines[1:]] == wanted
    assert lines[1][12] == "Coats, Silk"

    everyone_active = export_request(
        kind="segment", parameters={"lifecycle_stage": "active"}, acting_user=owner_user
    )
    run_export.call(job_id=everyone_active.pk)
    everyone_active.refresh_from_db()
    assert [line[0] for line in _csv(everyone_active)[1:]] == ["S0000", "S0002", "S0004"]


def test_no_order_in_the_window_is_its_own_value_group(owner_user):
    _segment(MemberFactory(number="N0001"), LifecycleStage.PROSPECT, "")
    _segment(MemberFactory(number="N0002"), LifecycleStage.ACTIVE, ValueGroup.LOYAL)
    job = export_request(kind="segment", parameters={"value_group": "none"}, acting_user=owner_user)
    export_generate(job_id=job.pk)
    job.refresh_from_db()
    assert [line[0] for line in _csv(job)[1:]] == ["N0001"]


@pytest.mark.parametrize(
    "parameters",
    [
        {"lifecycle_stage": "vip"},
        {"value_group": "<script>"},
        {"recency_score": "6"},
        {"recency_score": "1e1"},
        {"tag": "999999"},
        {"tag": "x" * 30},
        {"member__user__password": "x"},
    ],
)
def test_bad_segment_filters_are_refused(owner_user, parameters):
    with pytest.raises(ValidationError):
        export_request(kind="segment", parameters=parameters, acting_user=owner_user)
    assert not ExportJob.objects.exists()


def _generation_queries(members: int) -> tuple[int, int]:
    tier = TierFactory()
    for _ in range(members):
        member = MemberFactory(tier=tier, joined_at=at(2026, 9, 1))
        order(member, at(2026, 10, 3, 12), total="20.00")
        TierChange.objects.create(
            member=member, to_tier=tier, reason="promotion", occurred_at=at(2026, 10, 4)
        )
        _segment(member, LifecycleStage.ACTIVE, ValueGroup.BIG)
    monthly = ExportJob.objects.create(kind="monthly", parameters={"month": "2026-10"})
    segment = ExportJob.objects.create(kind="segment", parameters={"lifecycle_stage": "active"})
    with CaptureQueriesContext(connection) as queries:
        export_generate(job_id=monthly.pk)
        export_generate(job_id=segment.pk)
    monthly.refresh_from_db()
    assert monthly.rows == ExportJob.objects.get(pk=segment.pk).rows
    return len(queries), monthly.rows


def test_generation_queries_do_not_grow_with_members():
    few, rows = _generation_queries(3)
    assert rows == 3
    many, rows = _generation_queries(27)  # 30 members now
    assert rows == 30
    assert many == few


def test_the_monthly_export_is_scheduled_on_the_first_for_the_month_before():
    job = next(job for job in scheduler.get_jobs() if job.name == "run_monthly_export")
    after = at(2026, 11, 23, 9, 0)
    assert job.trigger.get_next_fire_time(None, after) == at(2026, 12, 1, 1, 0)
    assert next(job for job in scheduler.get_jobs() if job.name == "run_export_purge")


def test_the_scheduled_task_exports_last_month_once(shop_month, monkeypatch):
    monkeypatch.setattr(
        "loyalty.services.exports.timezone.localdate", lambda *a, **k: date(2026, 11, 1)
    )
    result = run_monthly_export.call()
    assert result["month"] == "2026-10" and result["rows"] == 3
    job = ExportJob.objects.get()
    assert (job.status, job.requested_by) == (ExportJob.Status.DONE, None)
    # A second run the same month writes nothing new.
    run_monthly_export.call()
    assert ExportJob.objects.count() == 1
    assert export_monthly_scheduled(today=date(2026, 11, 1)).pk == job.pk


def test_files_are_deleted_after_the_retention_period(shop_month, owner_user):
    job = export_request(kind="monthly", parameters={"month": "2026-10"}, acting_user=owner_user)
    export_generate(job_id=job.pk)
    job.refresh_from_db()
    storage, name = job.csv_file.storage, job.csv_file.name
    assert storage.exists(name)

    assert export_purge_expired(now=job.created_at + timedelta(days=RETENTION_DAYS - 1)) == 0
    assert export_purge_expired(now=job.created_at + timedelta(days=RETENTION_DAYS + 1)) == 1

    job.refresh_from_db()
    assert job.status == ExportJob.Status.EXPIRED
    assert not job.csv_file and not job.xlsx_file
    assert not storage.exists(name)
