"""Stored-value and points liability by month, against a history worked out by hand.

The history (tests/loyalty/report_history.py), one member, shop time:

    15 Dec  top-up 100 (no bonus under 200); cash order 30 earns 30 points, expiring 15 Feb
    31 Jan 23:30  top-up 200 + 40 bonus; cash order 50 earns 50 points (expiring 31 Mar)
    1 Feb 00:30 (31 Jan in UTC)  order of 68 paid from stored value: 300 principal and 40
          bonus held, so 60 principal + 8 bonus; it earns 68 points
    10 Feb  20 points redeemed (from the December lot, which expires first)
    16 Feb  the December lot's other 10 points expire
    1 Mar 00:10  15 points granted (expiring 1 May 00:10, 30 April in UTC)
    5 Mar   the 1 Feb order is refunded: 60 + 8 back into the wallet, its 68 points taken back
    20 Mar  30 of the December top-up paid back to the member
"""

from decimal import Decimal

import pytest

from loyalty.selectors.reports.months import ReportScope
from loyalty.selectors.reports.points import points_by_month, points_due_to_expire
from loyalty.selectors.reports.stored_value import stored_value_by_month
from tests.loyalty.helpers import assert_ledger_consistent
from tests.loyalty.report_history import local, money_history

pytestmark = pytest.mark.django_db

Q1 = ReportScope(first_month=local(1, 1).date(), last_month=local(3, 1).date())


def D(text: str) -> Decimal:
    return Decimal(text)


def test_stored_value_by_month():
    history = money_history()

    rows = stored_value_by_month(scope=Q1)

    assert [row.month for row in rows] == [local(m, 1).date() for m in (1, 2, 3)]
    jan, feb, mar = rows
    assert (jan.top_up_principal, jan.top_up_bonus, jan.spent) == (D("200"), D("40"), 0)
    assert (jan.principal, jan.bonus, jan.outstanding) == (D("300"), D("40"), D("340"))
    assert (feb.top_up_principal, feb.spent_principal, feb.spent_bonus) == (0, D("60"), D("8"))
    assert (feb.principal, feb.bonus, feb.outstanding) == (D("240"), D("32"), D("272"))
    assert (mar.refunded, mar.top_ups_refunded, mar.spent, mar.other) == (D("68"), D("30"), 0, 0)
    assert (mar.principal, mar.bonus, mar.outstanding) == (D("270"), D("40"), D("310"))
    account = history.member.wallet_account
    assert_ledger_consistent(account)
    assert (account.principal, account.bonus) == (mar.principal, mar.bonus)


def test_stored_value_takes_no_store_filter():
    history = money_history()
    other_store = ReportScope(
        first_month=Q1.first_month, last_month=Q1.last_month, store_id=history.staff.store_id + 99
    )

    assert stored_value_by_month(scope=other_store) == stored_value_by_month(scope=Q1)


def test_a_month_starts_at_the_shops_midnight():
    money_history()
    january = ReportScope(first_month=Q1.first_month, last_month=Q1.first_month)
    february = ReportScope(first_month=local(2, 1).date(), last_month=local(2, 1).date())

    (jan,) = stored_value_by_month(scope=january)
    (feb,) = stored_value_by_month(scope=february)

    # 23:30 on 31 January is January; 00:30 on 1 February is February, though UTC says January.
    assert (jan.top_up_principal, jan.spent) == (D("200"), 0)
    assert (feb.spent, feb.principal + feb.bonus) == (D("68"), D("272"))
    assert [row.earned for row in points_by_month(scope=january)] == [50]
    assert [row.earned for row in points_by_month(scope=february)] == [68]


def test_points_by_month():
    history = money_history()

    jan, feb, mar = points_by_month(scope=Q1)

    assert (jan.earned, jan.redeemed, jan.expired, jan.reversed, jan.outstanding) == (
        50,
        0,
        0,
        0,
        80,
    )
    assert (feb.earned, feb.redeemed, feb.expired, feb.reversed) == (68, 20, 10, 0)
    assert feb.outstanding == 118
    assert (mar.earned, mar.redeemed, mar.expired, mar.reversed, mar.other) == (15, 0, 0, -68, 0)
    assert mar.outstanding == 65
    account = history.member.points_account
    assert_ledger_consistent(account)
    assert account.balance == mar.outstanding


def test_points_due_to_expire_by_month():
    money_history()

    due = points_due_to_expire(ahead=3, now=local(3, 5))

    # March: the January lot (50, none spent); April: the February lot, all taken back by
    # the refund; May: the grant of 1 March at 00:10, which UTC places on 30 April.
    assert [(row.month, row.points) for row in due] == [
        (local(3, 1).date(), 50),
        (local(4, 1).date(), 0),
        (local(5, 1).date(), 15),
    ]
