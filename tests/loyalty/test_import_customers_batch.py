"""New customers are written set-based, a batch at a time: the same members and opening
entries as one by one, balances equal to their entries, a query count per batch that does not
grow with its rows, and re-runs that write nothing."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, F, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loyalty.models import EntryKind, PointsAccount, PointsEntry, WalletAccount, WalletEntry
from loyalty.services.points import PointsOpening, points_open_balance, points_open_balances
from loyalty.services.wallet import WalletOpening, wallet_open_balance, wallet_open_balances
from membership.models import Member, MemberEvent, MemberMessage, User
from membership.roles import MEMBER_GROUP
from membership.services import members as member_services
from tests.factories import MemberFactory, OwnerFactory, TierFactory

from .import_helpers import csv_bytes, preview, run

pytestmark = pytest.mark.django_db

HEADER = ["phone", "name", "birthday", "tier", "balance", "points", "packages"]
FIRST_PHONE = 13700000000


@pytest.fixture
def owner():
    return OwnerFactory()


@pytest.fixture
def tiers():
    return TierFactory(code="seed", rank=1), TierFactory(code="gold", rank=3)


def _row(n: int) -> list[str]:
    return [
        str(FIRST_PHONE + n),
        f"Customer {n}",
        "1985-03-0" + str(1 + n % 9),
        "gold" if n % 5 == 0 else "",
        f"{n % 400}.25" if n % 2 == 0 else "",
        str(n % 900 + 1) if n % 3 == 0 else "",
        "",
    ]


def _file(rows: int) -> bytes:
    return csv_bytes([HEADER] + [_row(n) for n in range(rows)])


def test_a_file_of_several_batches_gives_each_new_member_the_right_balances(owner, tiers):
    seed, gold = tiers
    job = run(preview("customers", _file(1200), owner), owner)

    assert (job.created, job.failed, job.done) == (1200, 0, 1200)
    members = {
        str(m.user.phone): m for m in Member.objects.select_related("user", "wallet_account")
    }
    assert len(members) == 1200
    assert Member.objects.values("number").distinct().count() == 1200
    assert User.objects.filter(groups__name=MEMBER_GROUP).count() == 1200
    assert MemberEvent.objects.filter(kind=MemberEvent.Kind.SIGNED_UP).count() == 1200
    for n in range(1200):
        member = members[f"+86{FIRST_PHONE + n}"]
        assert member.name == f"Customer {n}"
        assert member.birthday.day == 1 + n % 9
        assert member.tier == (gold if n % 5 == 0 else seed)
        assert member.consent_terms_at is None
        wallet = getattr(member, "wallet_account", None)
        if n % 2 == 0:
            assert (wallet.principal, wallet.bonus) == (Decimal(f"{n % 400}.25"), Decimal("0"))
        else:
            assert wallet is None
    assert WalletEntry.objects.filter(kind=EntryKind.OPENING).count() == 600
    assert PointsEntry.objects.filter(kind=EntryKind.OPENING).count() == 400
    points = dict(PointsAccount.objects.values_list("member__user__phone", "balance"))
    assert {str(p): b for p, b in points.items()} == {
        f"+86{FIRST_PHONE + n}": n % 900 + 1 for n in range(0, 1200, 3)
    }
    # balance == sum(entries), and each entry's balance_after is the balance it made.
    wallets = WalletAccount.objects.annotate(total=Sum("entries__amount"), n=Count("entries"))
    assert not wallets.exclude(total=F("principal") + F("bonus")).exists()
    assert not wallets.exclude(n=1).exists()
    assert not WalletEntry.objects.exclude(balance_after=F("amount")).exists()
    assert not WalletEntry.objects.exclude(principal_amount=F("amount")).exists()
    accounts = PointsAccount.objects.annotate(total=Sum("entries__amount"))
    assert not accounts.exclude(total=F("balance")).exists()
    # An opening balance is not news to the member: no 50,000 balance messages.
    assert not MemberMessage.objects.filter(kind=MemberMessage.Kind.BALANCE_CHANGED).exists()

    again = preview("customers", _file(1200), owner)
    assert (again.created, again.updated, again.skipped) == (0, 0, 1200)


def _run_queries(owner, rows: int, first: int) -> int:
    data = csv_bytes([HEADER] + [_row(n) for n in range(first, first + rows)])
    job = preview("customers", data, owner)
    from loyalty.services.imports import import_confirm, import_run

    import_confirm(job=job, acting_user=owner)
    with CaptureQueriesContext(connection) as queries:
        job = import_run(job_id=job.pk)
    assert job.created == rows
    return len(queries)


def test_the_run_query_count_does_not_grow_with_the_rows_of_a_batch(owner, tiers, monkeypatch):
    from loyalty.services import imports

    monkeypatch.setattr(imports, "BATCH_SIZE", 100)
    # The first run also makes the Members group and the shop's loyalty settings.
    _run_queries(owner, 1, first=3000)
    ten = _run_queries(owner, 10, first=0)
    sixty = _run_queries(owner, 60, first=1000)
    assert sixty == ten
    assert sixty < 60  # one by one, each new customer took about 26


def test_the_run_query_count_grows_by_batches_only(owner, tiers, monkeypatch):
    from loyalty.services import imports

    monkeypatch.setattr(imports, "BATCH_SIZE", 5)
    _run_queries(owner, 1, first=3000)
    one_batch = _run_queries(owner, 5, first=0)
    two_batches = _run_queries(owner, 10, first=100)
    twelve_batches = _run_queries(owner, 60, first=1000)
    per_batch = two_batches - one_batch
    assert twelve_batches - two_batches == 10 * per_batch


def test_the_batch_ledger_services_write_what_the_single_row_ones_write(owner, tiers):
    now = timezone.now()
    one, many = MemberFactory(), MemberFactory()
    source = {"acting_user": owner, "source_type": "import", "source_id": "7", "now": now}
    single = (
        wallet_open_balance(member=one, amount=Decimal("9.99"), idempotency_key="w1", **source),
        points_open_balance(member=one, points=40, idempotency_key="p1", **source),
    )
    batch = (
        wallet_open_balances(openings=[WalletOpening(many.pk, Decimal("9.99"), "w2")], **source),
        points_open_balances(openings=[PointsOpening(many.pk, 40, "p2")], **source),
    )
    fields = [
        *("kind", "amount", "principal_amount", "bonus_amount", "balance_after", "currency"),
        *("reason", "source_type", "source_id", "acting_user_id", "created_at"),
    ]
    assert [getattr(batch[0][0], f) for f in fields] == [getattr(single[0], f) for f in fields]
    fields = ["kind", "amount", "balance_after", "reason", "source_type", "source_id", "expires_at"]
    assert [getattr(batch[1][0], f) for f in fields] == [getattr(single[1], f) for f in fields]
    assert (many.wallet_account.balance, many.points_account.balance) == (Decimal("9.99"), 40)


def test_the_batch_ledger_services_write_nothing_for_a_key_already_used(owner, tiers):
    members = MemberFactory.create_batch(2)
    wallet = [
        WalletOpening(m.pk, Decimal("12.50"), f"import-opening:wallet:{m.pk}") for m in members
    ]
    points = [PointsOpening(m.pk, 30, f"import-opening:points:{m.pk}") for m in members]
    assert len(wallet_open_balances(openings=wallet, acting_user=owner)) == 2
    assert len(points_open_balances(openings=points, acting_user=owner)) == 2

    assert wallet_open_balances(openings=wallet, acting_user=owner) == []
    assert points_open_balances(openings=points, acting_user=owner) == []
    assert WalletEntry.objects.count() == PointsEntry.objects.count() == 2
    assert {a.balance for a in WalletAccount.objects.all()} == {Decimal("12.50")}
    assert set(PointsAccount.objects.values_list("balance", flat=True)) == {30}


def test_member_numbers_of_a_batch_skip_the_ones_already_taken(monkeypatch, tiers):
    taken = MemberFactory(number="M222222222").number
    draws = iter([taken, "M333333333", taken, "M444444444"])
    monkeypatch.setattr(member_services, "_member_number_candidate", lambda: next(draws))

    numbers = member_services.new_member_numbers(2)

    assert sorted(numbers) == ["M333333333", "M444444444"]
