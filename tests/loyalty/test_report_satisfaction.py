"""Satisfaction by month against feedback and follow-ups worked out by hand (shop time):

feedback  10 Jan store Y 2★ complaint · 31 Jan 23:30 store X 5★ ·
          1 Feb 00:30 store X 4★ (31 Jan in UTC) · 20 Feb store X 1★ complaint
follow-ups (as of 10 Mar)  10 Jan store Y, done 11 Jan · 1 Feb 00:30 no order, due 20 Mar,
          open · 20 Feb store X, due 22 Feb, open (overdue) · 1 Mar store X, done 2 Mar
"""

import pytest

from loyalty.selectors.reports.months import ReportScope
from loyalty.selectors.reports.satisfaction import satisfaction_by_month
from membership.models import FollowUpTask, OrderFeedback
from tests.factories import MemberFactory, OrderFactory, StoreFactory
from tests.loyalty.report_history import local

pytestmark = pytest.mark.django_db

NOW = local(3, 10)


def _history():
    x, y = StoreFactory(), StoreFactory()
    member = MemberFactory()

    def rated(store, when, rating, complaint=False):
        order = OrderFactory(member=member, store=store, created_at=when)
        OrderFeedback.objects.create(
            order=order, member=member, rating=rating, is_complaint=complaint, created_at=when
        )
        return order

    def task(when, due, order=None, done=None):
        FollowUpTask.objects.create(
            member=member,
            order=order,
            source=FollowUpTask.Source.FEEDBACK if order else FollowUpTask.Source.MANUAL,
            reason="call back",
            created_at=when,
            due_at=due,
            done_at=done,
        )

    jan_complaint = rated(y, local(1, 10), 2, complaint=True)
    rated(x, local(1, 31, 23, 30), 5)
    rated(x, local(2, 1, 0, 30), 4)
    feb_complaint = rated(x, local(2, 20), 1, complaint=True)
    task(local(1, 10), local(1, 11), jan_complaint, done=local(1, 11))
    task(local(2, 1, 0, 30), local(3, 20))
    task(local(2, 20), local(2, 22), feb_complaint)
    task(local(3, 1), local(3, 3), OrderFactory(member=member, store=x), done=local(3, 2))
    return x, y


def _scope(store=None):
    return ReportScope(
        first_month=local(1, 1).date(),
        last_month=local(3, 1).date(),
        store_id=store.pk if store else None,
    )


def _figures(row):
    return {
        "ratings": row.ratings,
        "average": str(row.average) if row.average is not None else None,
        "spread": [row.by_rating[n] for n in (1, 2, 3, 4, 5)],
        "complaints": row.complaints,
        "follow-ups": (
            row.followups_opened,
            row.followups_done,
            row.followups_open,
            row.followups_overdue,
        ),
    }


def test_all_stores():
    _history()

    jan, feb, mar = (_figures(row) for row in satisfaction_by_month(scope=_scope(), now=NOW))

    assert jan == {
        "ratings": 2,
        "average": "3.50",
        "spread": [0, 1, 0, 0, 1],
        "complaints": 1,
        "follow-ups": (1, 1, 0, 0),
    }
    assert feb == {
        "ratings": 2,
        "average": "2.50",
        "spread": [1, 0, 0, 1, 0],
        "complaints": 1,
        "follow-ups": (2, 0, 2, 1),
    }
    assert mar == {
        "ratings": 0,
        "average": None,
        "spread": [0, 0, 0, 0, 0],
        "complaints": 0,
        "follow-ups": (1, 1, 0, 0),
    }


def test_one_store_counts_through_the_order():
    x, y = _history()

    jan, feb, mar = satisfaction_by_month(scope=_scope(x), now=NOW)
    y_jan, y_feb, _y_mar = satisfaction_by_month(scope=_scope(y), now=NOW)

    assert (jan.ratings, str(jan.average), jan.complaints) == (1, "5.00", 0)
    assert (feb.ratings, str(feb.average), feb.complaints) == (2, "2.50", 1)
    # The follow-up opened without an order belongs to no store.
    assert (feb.followups_opened, feb.followups_open, feb.followups_overdue) == (1, 1, 1)
    assert (mar.followups_opened, mar.followups_done) == (1, 1)
    assert (y_jan.ratings, y_jan.complaints, y_jan.followups_done) == (1, 1, 1)
    assert (y_feb.ratings, y_feb.followups_opened) == (0, 0)
