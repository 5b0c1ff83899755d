"""Customers from the old till: every bad row named and never written, re-runs add nothing,
opening balances are their own ledger entries (no top-up bonus) that add up to the balance."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from loyalty.models import (
    Entitlement,
    EntryKind,
    ImportStatus,
    Package,
    PackageItem,
    PointsAccount,
    PointsEntry,
    TopUpBonusRule,
    WalletAccount,
    WalletEntry,
)
from membership.models import Member, MemberEvent, StaffAction, User
from tests.factories import MemberFactory, OwnerFactory, ServiceCategoryFactory, TierFactory

from .import_helpers import csv_bytes, preview, run, whys

pytestmark = pytest.mark.django_db

HEADER = ["phone", "name", "birthday", "tier", "balance", "points", "packages"]


@pytest.fixture
def owner():
    return OwnerFactory()


@pytest.fixture
def shop():
    TierFactory(code="seed", rank=1, name_zh="种子", name_en="Seed")
    gold = TierFactory(code="gold", rank=3, name_zh="金卡", name_en="Gold")
    # An active top-up bonus: an opening balance must not get it.
    TopUpBonusRule.objects.create(
        name="100+20", min_amount=Decimal("100"), bonus_amount=Decimal("20")
    )
    shirts = ServiceCategoryFactory(code="shirt")
    package = Package.objects.create(code="shirt10", name_zh="衬衫十次", name_en="10 shirts")
    PackageItem.objects.create(package=package, category=shirts, quantity=10)
    return {"gold": gold, "package": package}


def test_each_bad_row_is_named_with_why_and_none_is_written(owner, shop):
    users_before = User.objects.count()
    data = csv_bytes(
        [
            HEADER,
            ["13900000001", "Good Gu", "1990-05-01", "gold", "250.50", "1200", "shirt10:7"],
            ["12345", "Bad Phone", "", "", "10", "", ""],
            ["13900000003", "Twin One", "", "", "", "", ""],
            ["+86 139 0000 0003", "Twin Two", "", "", "", "", ""],
            ["13900000005", "Negative Ning", "", "", "-5", "", ""],
            ["13900000006", "Unknown Tier", "", "platinum", "", "", ""],
            ["13900000007", "Negative Points", "", "", "", "-1", ""],
            ["13900000008", "No Such Package", "", "", "", "", "nope:3"],
            ["13900000009", "Bad Birthday", "31/02/1990", "", "", "", ""],
        ]
    )
    job = preview("customers", data, owner)

    assert job.status == ImportStatus.PREVIEWED
    assert (job.created, job.updated, job.skipped, job.failed) == (1, 0, 0, 8)
    reasons = whys(job)
    assert "12345 is not a valid mobile number" in reasons[3]
    assert "several rows of the file (rows 4, 5)" in reasons[4]
    assert "several rows of the file (rows 4, 5)" in reasons[5]
    assert "The balance is negative" in reasons[6]
    assert "Unknown tier platinum" in reasons[7]
    assert "Points is negative" in reasons[8]
    assert "Unknown package nope" in reasons[9]
    assert "not a date" in reasons[10]
    assert job.outcomes[0] == ["new", "new member"]
    assert User.objects.count() == users_before  # the preview writes no member

    job = run(job, owner)

    assert job.status == ImportStatus.DONE
    assert (job.done, job.created, job.failed) == (9, 1, 8)
    assert {e["row"] for e in job.errors} == {3, 4, 5, 6, 7, 8, 9, 10}
    assert User.objects.count() == users_before + 1
    member = Member.objects.get(user__phone="+8613900000001")
    assert (member.name, member.birthday, member.tier) == (
        "Good Gu",
        timezone.datetime(1990, 5, 1).date(),
        shop["gold"],
    )
    assert member.user.has_usable_password() is False
    assert Entitlement.objects.get(member=member).remaining == 7
    assert StaffAction.objects.filter(action="import_confirmed", actor=owner).count() == 1


def test_opening_balances_are_their_own_entries_without_bonus_and_add_up(owner, shop):
    job = run(
        preview(
            "customers",
            csv_bytes([HEADER, ["13900000011", "Wu", "", "", "300", "450", ""]]),
            owner,
        ),
        owner,
    )
    assert job.created == 1
    member = Member.objects.get(user__phone="+8613900000011")
    wallet = WalletAccount.objects.get(member=member)
    entries = WalletEntry.objects.filter(account=wallet)
    assert [(e.kind, e.principal_amount, e.bonus_amount) for e in entries] == [
        (EntryKind.OPENING, Decimal("300.00"), Decimal("0.00"))
    ]
    assert wallet.balance == entries.aggregate(s=Sum("amount"))["s"] == Decimal("300.00")
    points = PointsAccount.objects.get(member=member)
    point_entries = PointsEntry.objects.filter(account=points)
    assert [e.kind for e in point_entries] == [EntryKind.OPENING]
    assert points.balance == point_entries.aggregate(s=Sum("amount"))["s"] == 450
    # Carried over, not topped up: no event a reward rule would react to.
    kinds = set(MemberEvent.objects.filter(member=member).values_list("kind", flat=True))
    assert kinds == {MemberEvent.Kind.SIGNED_UP}


def test_running_the_same_file_again_adds_nothing(owner, shop):
    data = csv_bytes(
        [
            HEADER,
            ["13900000021", "Li", "1985-01-02", "gold", "80", "10", "shirt10:10"],
            ["13900000022", "Ma", "", "", "", "", ""],
        ]
    )
    run(preview("customers", data, owner), owner)
    counts = (
        User.objects.count(),
        Member.objects.count(),
        WalletEntry.objects.count(),
        PointsEntry.objects.count(),
        Entitlement.objects.count(),
        MemberEvent.objects.count(),
    )

    again = preview("customers", data, owner)

    assert (again.created, again.updated, again.skipped, again.failed) == (0, 0, 2, 0)
    assert again.outcomes[0][1] == "Already imported: nothing new for this member."
    with pytest.raises(ValidationError, match="nothing to import"):
        run(again, owner)
    assert counts == (
        User.objects.count(),
        Member.objects.count(),
        WalletEntry.objects.count(),
        PointsEntry.objects.count(),
        Entitlement.objects.count(),
        MemberEvent.objects.count(),
    )


def test_two_previews_confirmed_one_after_the_other_write_once(owner, shop):
    """The run checks every row again: the second job finds the members the first made."""
    data = csv_bytes([HEADER, ["13900000031", "Zhao", "", "", "99", "5", ""]])
    first = preview("customers", data, owner)
    second = preview("customers", data, owner)
    run(first, owner)

    second = run(second, owner)

    assert (second.created, second.updated, second.skipped) == (0, 0, 1)
    assert Member.objects.filter(user__phone="+8613900000031").count() == 1
    assert WalletEntry.objects.filter(kind=EntryKind.OPENING).count() == 1
    assert PointsEntry.objects.filter(kind=EntryKind.OPENING).count() == 1


def test_an_existing_member_gets_only_what_they_lack_and_keeps_their_tier(owner, shop):
    member = MemberFactory(name="", user__phone="+8613900000041", tier=None)
    job = preview(
        "customers",
        csv_bytes([HEADER, ["13900000041", "Sun", "1970-07-07", "gold", "50", "", ""]]),
        owner,
    )
    assert job.outcomes[0] == ["update", "name, birthday, opening balance"]

    run(job, owner)

    member.refresh_from_db()
    assert (member.name, str(member.birthday), member.tier) == ("Sun", "1970-07-07", None)
    assert WalletAccount.objects.get(member=member).balance == Decimal("50.00")


def test_an_excel_file_imports_like_a_csv(owner, shop):
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["手机", "姓名", "生日", "等级", "余额", "积分"])
    sheet.append([13900000051, "钱", timezone.datetime(1991, 3, 4), "金卡", 12.5, 30])
    sheet.append(["bad", "坏", None, None, None, None])
    out = io.BytesIO()
    book.save(out)

    job = preview("customers", out.getvalue(), owner, file_name="till.xlsx")

    assert (job.created, job.failed) == (1, 1)
    assert "bad is not a valid mobile number" in whys(job)[3]
    run(job, owner)
    member = Member.objects.get(user__phone="+8613900000051")
    assert (member.name, str(member.birthday), member.tier.code) == ("钱", "1991-03-04", "gold")
    assert WalletAccount.objects.get(member=member).balance == Decimal("12.50")


def test_a_row_the_database_refuses_is_counted_and_the_batch_goes_on(owner, shop, monkeypatch):
    """A failed insert (here a login name already taken) fails the batch's set-based write,
    which is then written row by row, each in its own savepoint: the rows before and after
    it are written, on PostgreSQL too."""
    from loyalty.services import imports

    taken = User.objects.create(username="taken").username
    real, real_many = imports._new_username, imports._new_usernames
    monkeypatch.setattr(
        imports, "_new_username", lambda phone: taken if phone.endswith("62") else real(phone)
    )
    monkeypatch.setattr(
        imports,
        "_new_usernames",
        lambda phones: [
            taken if p.endswith("62") else u for p, u in zip(phones, real_many(phones), strict=True)
        ],
    )
    data = csv_bytes(
        [
            HEADER,
            ["13900000061", "A", "", "", "10", "", ""],
            ["13900000062", "B", "", "", "10", "", ""],
            ["13900000063", "C", "", "", "10", "", ""],
        ]
    )
    job = run(preview("customers", data, owner), owner)

    assert (job.status, job.created, job.failed) == (ImportStatus.DONE, 2, 1)
    assert job.errors == [{"row": 3, "why": "This row could not be imported."}]
    phones = set(Member.objects.values_list("user__phone", flat=True))
    assert {str(p) for p in phones} == {"+8613900000061", "+8613900000063"}
    assert WalletEntry.objects.filter(kind=EntryKind.OPENING).count() == 2


def test_a_row_that_breaks_the_check_is_a_refused_row_not_a_crash(owner, shop, monkeypatch):
    from loyalty.imports.customers import CustomerResource
    from loyalty.services.imports import import_check, import_upload

    def broken(self, plan, row):
        raise RuntimeError("boom")

    job = import_upload(
        kind="customers",
        data=csv_bytes([HEADER, ["13900000071", "", "", "", "", "", ""]]),
        file_name="till.csv",
        acting_user=owner,
    )
    monkeypatch.setattr(CustomerResource, "check_row", broken)
    import_check(job_id=job.pk)  # the row's error is caught as a row error, not a crash
    job.refresh_from_db()
    assert (job.status, job.failed) == (ImportStatus.PREVIEWED, 1)
    assert job.outcomes == [["error", "This row could not be imported."]]
