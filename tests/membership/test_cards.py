import time

import pyotp
import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from membership.models import MemberCard
from membership.services.cards import (
    CODE_DIGITS,
    CODE_STEP_SECONDS,
    FAILURES_PER_MEMBER,
    PREVIEW_STEPS,
    REFUSED_MESSAGE,
    SKEW_STEPS,
    CardCodeRefused,
    CardRateLimited,
    card_codes,
    card_get_or_create,
    card_parse_payload,
    card_rotate,
    card_verify,
)
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

# The middle of a step, so "± n steps" below is never at a boundary.
NOW = 1_800_000_000 // CODE_STEP_SECONDS * CODE_STEP_SECONDS + CODE_STEP_SECONDS // 2


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def card(db):
    return card_get_or_create(member=MemberFactory())


def code_at(card, seconds):
    return card_codes(card=card, for_time=seconds)[0].code


def verify(card, code, *, at=NOW, actor="user:1", number=None):
    return card_verify(
        number=card.member.number if number is None else number,
        code=code,
        actor_key=actor,
        for_time=at,
    )


def test_card_is_created_once_with_a_base32_secret(card):
    again = card_get_or_create(member=card.member)
    assert again.pk == card.pk
    assert len(card.secret) == 32
    assert MemberCard.objects.filter(member=card.member).count() == 1


def test_codes_are_digits_and_change_every_step(card):
    codes = card_codes(card=card, for_time=NOW, steps=5)
    assert [c.step for c in codes] == list(
        range(NOW // CODE_STEP_SECONDS, NOW // CODE_STEP_SECONDS + 5)
    )
    assert all(len(c.code) == CODE_DIGITS and c.code.isdigit() for c in codes)
    assert len({c.code for c in codes}) == 5


def test_codes_are_pyotps_time_based_codes_for_every_step(card):
    """card_codes keys the HMAC once for all its steps: the codes stay RFC 6238's (pyotp's)."""
    totp = pyotp.TOTP(card.secret, digits=CODE_DIGITS, interval=CODE_STEP_SECONDS)
    codes = card_codes(card=card, for_time=1_700_000_000, steps=PREVIEW_STEPS + 1)

    assert [c.code for c in codes] == [totp.generate_otp(c.step) for c in codes]
    assert [c.step for c in codes] == list(
        range(1_700_000_000 // CODE_STEP_SECONDS, codes[-1].step + 1)
    )
    assert all(totp.verify(c.code, for_time=c.valid_from) for c in codes)


def test_current_code_is_accepted(card):
    assert verify(card, code_at(card, NOW)) == card.member


@pytest.mark.parametrize("steps", range(-SKEW_STEPS, SKEW_STEPS + 1))
def test_code_is_accepted_within_the_skew_window(card, steps):
    # The phone's clock is `steps` steps off the server's.
    assert verify(card, code_at(card, NOW + steps * CODE_STEP_SECONDS)) == card.member


@pytest.mark.parametrize("steps", [-(SKEW_STEPS + 1), SKEW_STEPS + 1, -30, 30])
def test_code_is_refused_outside_the_skew_window(card, steps):
    with pytest.raises(CardCodeRefused):
        verify(card, code_at(card, NOW + steps * CODE_STEP_SECONDS))


def test_code_accepted_once_is_refused_when_replayed_after_expiry(card):
    code = code_at(card, NOW)
    assert verify(card, code) == card.member
    assert verify(card, code, at=NOW + SKEW_STEPS * CODE_STEP_SECONDS) == card.member
    with pytest.raises(CardCodeRefused):
        verify(card, code, at=NOW + (SKEW_STEPS + 1) * CODE_STEP_SECONDS)


def test_forged_code_is_refused(card):
    real = {code_at(card, NOW + s * CODE_STEP_SECONDS) for s in range(-SKEW_STEPS, SKEW_STEPS + 1)}
    forged = next(
        f"{n:0{CODE_DIGITS}d}" for n in range(10**CODE_DIGITS) if f"{n:0{CODE_DIGITS}d}" not in real
    )
    with pytest.raises(CardCodeRefused):
        verify(card, forged)


def test_code_of_another_members_card_is_refused(card):
    other = card_get_or_create(member=MemberFactory())
    with pytest.raises(CardCodeRefused):
        verify(card, code_at(other, NOW))


@pytest.mark.parametrize(
    "code",
    [
        "",
        "1234",
        "12345678901",
        "abcdefgh",
        "1234 678",
        "１２３４５６７８",
        "12345678\n",
        "-1234567",
    ],
)
def test_malformed_code_is_refused(card, code):
    with pytest.raises(CardCodeRefused):
        verify(card, code)


@pytest.mark.parametrize("number", ["", "NOPE00000", "M' OR 1=1", "x" * 200])
def test_unknown_or_malformed_member_number_is_refused(card, number):
    with pytest.raises(CardCodeRefused):
        verify(card, code_at(card, NOW), number=number)


def test_member_without_a_card_is_refused():
    member = MemberFactory()
    with pytest.raises(CardCodeRefused):
        card_verify(number=member.number, code="12345678", actor_key="user:1", for_time=NOW)


def test_every_refusal_says_the_same_thing(card):
    messages = set()
    for number, code in [
        (card.member.number, "00000000"),
        (card.member.number, code_at(card, NOW - 10 * CODE_STEP_SECONDS)),
        (card.member.number, "garbage"),
        ("M999999999", code_at(card, NOW)),
    ]:
        with pytest.raises(ValidationError) as refused:
            card_verify(number=number, code=code, actor_key="user:9", for_time=NOW)
        assert refused.value.code == "card_code_refused"
        messages.add(refused.value.message)
    assert messages == {REFUSED_MESSAGE}
    assert card.member.number not in str(REFUSED_MESSAGE)


def test_rotating_the_secret_invalidates_old_codes(card):
    old_code = code_at(card, NOW)
    rotated = card_rotate(member=card.member)
    assert rotated.pk == card.pk and rotated.secret != card.secret
    with pytest.raises(CardCodeRefused):
        verify(card, old_code)
    assert verify(rotated, code_at(rotated, NOW)) == card.member


def test_brute_force_on_one_member_is_rate_limited_even_for_the_right_code(card):
    for attempt in range(FAILURES_PER_MEMBER):
        with pytest.raises(CardCodeRefused):
            verify(card, f"{attempt:08d}", actor=f"user:{attempt}")  # many staff logins
    with pytest.raises(CardRateLimited):
        verify(card, code_at(card, NOW), actor="user:other")
    # Other members are not locked out.
    other = card_get_or_create(member=MemberFactory())
    assert verify(other, code_at(other, NOW), actor="user:other") == other.member


def test_one_actor_guessing_across_members_is_rate_limited():
    cards = [card_get_or_create(member=MemberFactory()) for _ in range(21)]
    for c in cards[:20]:
        with pytest.raises(CardCodeRefused):
            verify(c, "00000000" if code_at(c, NOW) != "00000000" else "11111111", actor="user:7")
    with pytest.raises(CardRateLimited):
        verify(cards[20], code_at(cards[20], NOW), actor="user:7")
    assert verify(cards[20], code_at(cards[20], NOW), actor="user:8") == cards[20].member


def test_successful_scans_do_not_count_against_the_limit(card):
    for _ in range(FAILURES_PER_MEMBER * 3):
        assert verify(card, code_at(card, NOW)) == card.member


def test_verify_uses_the_real_clock_by_default(card):
    code = card_codes(card=card)[0].code
    assert card_verify(number=card.member.number, code=code, actor_key="user:1") == card.member
    assert abs(card_codes(card=card)[0].valid_from - time.time()) <= CODE_STEP_SECONDS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://shop.example/counter/m/M000000001/12345678/", ("M000000001", "12345678")),
        ("http://127.0.0.1:8000/counter/m/m000000001/12345678", ("M000000001", "12345678")),
        ("/counter/m/M000000001/12345678/", ("M000000001", "12345678")),
        ("  M000000001 12345678\n", ("M000000001", "12345678")),
        ("M000000001/12345678", ("M000000001", "12345678")),
        ("12345678", None),
        ("", None),
        ("hello world", None),
    ],
)
def test_parse_what_a_scanner_typed(text, expected):
    assert card_parse_payload(text=text) == expected
