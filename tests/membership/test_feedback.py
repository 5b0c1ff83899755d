import pytest
from django.core.exceptions import ValidationError

from membership.models import FollowUpTask, OrderFeedback
from membership.services.feedback import feedback_submit
from tests.factories import MemberFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order():
    return OrderFactory()


def test_a_good_rating_is_stored_and_opens_no_follow_up(order):
    feedback = feedback_submit(member=order.member, order=order, rating=5, comment=" Lovely ")
    assert (feedback.rating, feedback.comment, feedback.is_complaint) == (5, "Lovely", False)
    assert FollowUpTask.objects.count() == 0


@pytest.mark.parametrize("rating", [1, 2])
def test_a_low_rating_opens_a_follow_up_for_staff(order, rating):
    feedback_submit(member=order.member, order=order, rating=rating)
    task = FollowUpTask.objects.get()
    assert task.member == order.member and task.order == order
    assert task.source == FollowUpTask.Source.FEEDBACK
    assert order.number in task.reason and task.done_at is None


def test_a_complaint_opens_a_follow_up_even_with_a_good_rating(order):
    feedback_submit(
        member=order.member, order=order, rating=4, comment="Button missing", is_complaint=True
    )
    task = FollowUpTask.objects.get()
    assert task.details == "Button missing" and order.number in task.reason


def test_rating_three_opens_no_follow_up(order):
    feedback_submit(member=order.member, order=order, rating=3)
    assert FollowUpTask.objects.count() == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rating": 0}, "from 1 to 5"),
        ({"rating": 6}, "from 1 to 5"),
        ({"rating": True}, "from 1 to 5"),
        ({"rating": 2, "is_complaint": True}, "what went wrong"),
        ({"rating": 4, "comment": "x" * 2001}, "under 2000"),
    ],
)
def test_bad_feedback_is_refused_and_nothing_is_written(order, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        feedback_submit(member=order.member, order=order, **kwargs)
    assert OrderFeedback.objects.count() == 0 and FollowUpTask.objects.count() == 0


def test_a_member_cannot_rate_another_members_order(order):
    with pytest.raises(ValidationError, match="not yours"):
        feedback_submit(member=MemberFactory(), order=order, rating=1)
    assert OrderFeedback.objects.count() == 0 and FollowUpTask.objects.count() == 0


def test_an_order_is_rated_once(order):
    feedback_submit(member=order.member, order=order, rating=1)
    with pytest.raises(ValidationError, match="already rated"):
        feedback_submit(member=order.member, order=order, rating=5)
    assert OrderFeedback.objects.get().rating == 1
    assert FollowUpTask.objects.count() == 1
