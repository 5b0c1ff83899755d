"""Referrals: codes, the link between a new member and their referrer, and qualification by the
new member's first completed order (exactly one REFERRAL_QUALIFIED event on the referrer)."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import override_settings

from membership.models import MemberEvent, Referral
from membership.selectors.referrals import referral_counts, referrer_by_code
from membership.services.orders import OrderLineInput, order_mark_cancelled, order_record
from membership.services.referrals import (
    CODE_ALPHABET,
    CODE_LENGTH,
    referral_code_ensure,
    referral_code_normalize,
    referral_codes_fill,
    referral_phone_hashes,
    referral_record,
)
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory

pytestmark = pytest.mark.django_db

PHONE = "+8613912345678"


def _order(member, staff, amount="30.00"):
    shirt = ServiceCategoryFactory(code="shirt", default_price=Decimal("12"))
    return order_record(
        member=member,
        store=staff.store,
        lines=[OrderLineInput(category=shirt, quantity=1, amount=Decimal(amount))],
        acting_user=staff,
    )


def _qualified_events(member):
    return list(MemberEvent.objects.filter(member=member, kind=MemberEvent.Kind.REFERRAL_QUALIFIED))


# --- codes ----------------------------------------------------------------------------------


def test_a_code_is_short_unambiguous_and_kept():
    member = MemberFactory()
    assert member.referral_code is None  # made in bulk, like the demo's members

    code = referral_code_ensure(member=member)

    assert len(code) == CODE_LENGTH
    assert set(code) <= set(CODE_ALPHABET)
    assert not set(code) & set("01OIL")
    member.refresh_from_db()
    assert member.referral_code == code
    assert referral_code_ensure(member=member) == code  # never changes once given


def test_codes_are_unique_even_when_the_random_draw_repeats(monkeypatch):
    first = MemberFactory()
    taken = referral_code_ensure(member=first)
    draws = iter([taken, taken, "ZZZZ2345"])
    monkeypatch.setattr("membership.services.referrals._new_code", lambda: next(draws))

    second = MemberFactory()

    assert referral_code_ensure(member=second) == "ZZZZ2345"
    assert first.referral_code != second.referral_code


def test_codes_are_unique_across_many_members():
    codes = {referral_code_ensure(member=MemberFactory()) for _ in range(50)}
    assert len(codes) == 50


def test_members_made_in_bulk_all_get_a_code_in_batches(django_assert_max_num_queries):
    kept = MemberFactory()
    code = referral_code_ensure(member=kept)
    for _ in range(25):
        MemberFactory()

    # Per batch of 10: read, check the codes, and one UPDATE in a savepoint (two statements).
    with django_assert_max_num_queries(3 * 5 + 1):
        given = referral_codes_fill(batch_size=10)

    assert given == 25
    codes = list(type(kept).objects.values_list("referral_code", flat=True))
    assert None not in codes and len(set(codes)) == 26
    kept.refresh_from_db()
    assert kept.referral_code == code
    assert referral_codes_fill() == 0


def test_a_stale_copy_keeps_the_code_already_given():
    member = MemberFactory()
    stale = type(member).objects.get(pk=member.pk)
    code = referral_code_ensure(member=member)
    assert referral_code_ensure(member=stale) == code


@pytest.mark.parametrize(
    "typed, stored",
    [("abcd2345", "ABCD2345"), (" ABCD-2345 ", "ABCD2345"), ("AB CD 23 45", "ABCD2345")],
)
def test_a_code_is_found_however_it_is_typed(typed, stored):
    member = MemberFactory(referral_code=stored)
    assert referral_code_normalize(typed) == stored
    assert referrer_by_code(code=typed) == member


@pytest.mark.parametrize("junk", ["", "   ", "ABC\x00D", "ABCDO0I1", "x" * 40, "阿里巴巴"])
def test_junk_codes_find_nobody(junk):
    MemberFactory(referral_code="ABCD2345")
    assert referrer_by_code(code=junk) is None


# --- recording ------------------------------------------------------------------------------


def test_referral_links_the_new_member_and_stores_no_phone_number():
    referrer, new = MemberFactory(), MemberFactory(user__phone=PHONE)

    referral = referral_record(referrer=referrer, referred=new, phone=PHONE)

    assert referral.referrer == referrer and referral.referred == new
    assert referral.qualified_at is None
    assert "13912345678" not in referral.phone_hash
    assert referral.phone_hash == referral_phone_hashes(phone=PHONE)[0]
    assert referral_counts(member=referrer).joined == 1


def test_self_referral_with_ones_own_code_is_refused():
    member = MemberFactory(user__phone=PHONE)
    with pytest.raises(ValidationError) as refused:
        referral_record(referrer=member, referred=member, phone=PHONE)
    assert refused.value.code == "self_referral"
    assert Referral.objects.count() == 0


def test_a_code_whose_owner_has_the_same_phone_is_refused():
    owner = MemberFactory(user__phone=PHONE)
    second_account = MemberFactory()
    with pytest.raises(ValidationError) as refused:
        referral_record(referrer=owner, referred=second_account, phone="139 1234 5678")
    assert refused.value.code == "self_referral"
    assert Referral.objects.count() == 0


def test_a_referral_needs_a_valid_mobile_number():
    with pytest.raises(ValidationError) as refused:
        referral_record(referrer=MemberFactory(), referred=MemberFactory(), phone="")
    assert refused.value.code == "no_phone"
    assert Referral.objects.count() == 0


def test_a_phone_number_is_referred_once_even_after_the_account_is_closed():
    referrer = MemberFactory()
    first = MemberFactory(user__phone=PHONE)
    referral_record(referrer=referrer, referred=first, phone=PHONE)
    first.user.delete()  # the account is closed: the referral row stays, without the member

    again = MemberFactory(user__phone=PHONE)
    with pytest.raises(ValidationError) as refused:
        referral_record(referrer=MemberFactory(), referred=again, phone="+86 139 1234 5678")

    assert refused.value.code == "phone_referred"
    assert Referral.objects.count() == 1
    assert Referral.objects.get().referred is None


def test_rotating_the_secret_key_does_not_free_a_referred_number():
    referral_record(referrer=MemberFactory(), referred=MemberFactory(), phone=PHONE)
    old_key = settings.SECRET_KEY
    with override_settings(SECRET_KEY="a-new-key-" + "x" * 40, SECRET_KEY_FALLBACKS=[old_key]):
        assert (
            Referral.objects.filter(phone_hash=referral_phone_hashes(phone=PHONE)[0]).count() == 0
        )
        with pytest.raises(ValidationError) as refused:
            referral_record(referrer=MemberFactory(), referred=MemberFactory(), phone=PHONE)
    assert refused.value.code == "phone_referred"


# --- qualification --------------------------------------------------------------------------


def test_the_first_completed_order_qualifies_the_referral_once():
    staff = StaffFactory()
    referrer, new = MemberFactory(), MemberFactory(user__phone=PHONE)
    referral_record(referrer=referrer, referred=new, phone=PHONE)

    first = _order(new, staff)

    events = _qualified_events(referrer)
    assert len(events) == 1
    assert events[0].data == {"referred_member": new.pk, "order": first.number}
    assert events[0].source_type == "referral"
    assert _qualified_events(new) == []  # the event is the referrer's
    referral = Referral.objects.get()
    assert referral.qualified_at == first.created_at
    assert referral_counts(member=referrer) == referral_counts(member=referrer).__class__(1, 1)

    new.refresh_from_db()
    _order(new, staff)
    # A stale copy of the member (first visit not yet loaded) does not qualify twice either.
    stale = type(new).objects.get(pk=new.pk)
    stale.first_visit_at = None
    _order(stale, staff)

    assert len(_qualified_events(referrer)) == 1


def test_an_order_of_a_member_nobody_referred_records_no_referral_event():
    staff = StaffFactory()
    member = MemberFactory()
    _order(member, staff)
    assert not MemberEvent.objects.filter(kind=MemberEvent.Kind.REFERRAL_QUALIFIED).exists()


def test_a_refunded_first_order_keeps_the_referral_qualified():
    staff = StaffFactory()
    referrer, new = MemberFactory(), MemberFactory(user__phone=PHONE)
    referral_record(referrer=referrer, referred=new, phone=PHONE)
    first = _order(new, staff)

    order_mark_cancelled(order=first, status="refunded", reason="stain", acting_user=staff)
    new.refresh_from_db()
    _order(new, staff)

    assert Referral.objects.get().qualified_at == first.created_at
    assert len(_qualified_events(referrer)) == 1


def test_a_referrer_whose_account_was_closed_earns_nothing():
    staff = StaffFactory()
    referrer, new = MemberFactory(), MemberFactory(user__phone=PHONE)
    referral_record(referrer=referrer, referred=new, phone=PHONE)
    referrer.user.delete()

    _order(new, staff)

    assert not MemberEvent.objects.filter(kind=MemberEvent.Kind.REFERRAL_QUALIFIED).exists()
    assert Referral.objects.get().qualified_at is None
