"""The segments benchmark's moving parts at a tiny size: bench members and orders made
set-based, one rule of each kind, both measurements and the query count printed. Its figures
are not checked here: a benchmark is a command, not a timed test."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from loyalty.models import DynamicTagRule, MemberSegment
from membership.models import Member, Order
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

ROW = re.compile(r"^\s*([\d.]+) s\s+([\d.]+) s\s+([\d.]+)x\s+(\d+)$", re.M)


def test_the_benchmark_times_the_recompute_next_to_a_bare_aggregate():
    out = StringIO()

    call_command("bench_segments", members=120, orders_per_member=6, runs=2, stdout=out)

    text = out.getvalue()
    rows = ROW.findall(text)
    assert len(rows) == 1, text
    _aggregate, _recompute, _ratio, queries = rows[0]
    assert 0 < int(queries) <= 20
    assert "120 recomputed" in text and "stages: " in text and "dynamic tags: " in text
    assert Member.objects.count() == MemberSegment.objects.count() == 120
    assert DynamicTagRule.objects.count() == 4
    assert Order.objects.filter(needs_pickup_delivery=True).exists()


def test_the_benchmark_refuses_a_database_with_real_members():
    MemberFactory()

    with pytest.raises(CommandError):
        call_command("bench_segments", members=10, runs=1, stdout=StringIO())
