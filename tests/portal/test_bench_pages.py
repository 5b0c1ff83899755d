"""The page benchmark's moving parts at a tiny size: bench members, offers and tier content
made, every page answered, the table printed with a CPU figure, a ratio and a query count per
page. Its figures are not checked here: a benchmark is a command, not a timed test."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from membership.models import TierBenefit
from portal.content.models import OfferPage
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

# page, CPU ms, x bare, DB ms and x bare with it (or "-" when not measurable), p50, p95, queries
ROW = re.compile(
    r"^(bare|dashboard|card|panel)\s+([\d.]+)\s+([\d.]+)\s+(?:[\d.]+|-)\s+(?:[\d.]+|-)"
    r"\s+[\d.]+\s+[\d.]+\s+(\d+)\s",
    re.M,
)


def test_the_benchmark_prints_each_page_against_the_bare_view():
    out = StringIO()

    call_command(
        "bench_pages",
        members=30,
        orders_per_member=3,
        heavy=1,
        sessions=3,
        requests=2,
        rounds=2,
        warmup=1,
        stdout=out,
    )

    text = out.getvalue()
    rows = {name: (float(cpu), float(ratio), int(q)) for name, cpu, ratio, q in ROW.findall(text)}
    assert set(rows) == {"bare", "dashboard", "card", "panel"}, text
    assert rows["bare"][1] == 1.0
    for name in ("dashboard", "card", "panel"):
        cpu, _ratio, queries = rows[name]
        assert cpu > 0
        assert 0 < queries <= 12
    # What a shop shows besides members: offers in both languages, tier benefits.
    assert OfferPage.objects.live().count() == 6
    assert TierBenefit.objects.exists()


def test_the_profile_option_prints_a_profile_of_one_page():
    out = StringIO()

    call_command(
        "bench_pages",
        members=5,
        orders_per_member=1,
        heavy=1,
        sessions=1,
        requests=2,
        warmup=1,
        profile="card",
        profile_lines=5,
        stdout=out,
    )

    assert "--- card, 2 requests, by cumulative" in out.getvalue()
    assert "function calls" in out.getvalue()


def test_the_benchmark_refuses_a_database_with_real_members():
    MemberFactory()

    with pytest.raises(CommandError):
        call_command("bench_pages", members=5, stdout=StringIO())
