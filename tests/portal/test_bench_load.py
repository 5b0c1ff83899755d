"""The load benchmark's moving parts: the bare view exists only in its settings, and the load
driver counts answers, errors and rates correctly."""

from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from portal.management.commands.bench_load import Page, drive, percentile


@pytest.mark.django_db
def test_the_bare_view_is_not_part_of_a_normal_deployment(client):
    assert client.get("/bench/bare/").status_code == 404
    with override_settings(ROOT_URLCONF="portal.bench_urls"):
        response = client.get("/bench/bare/")
        assert (response.status_code, response.content) == (200, b"ok")
        # The whole site is still there beside it.
        assert client.get(reverse("account_login")).status_code == 200


def test_percentile_picks_the_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 51.0  # index round(49.5) = 50
    assert percentile(values, 95) == 95.0
    assert percentile([7.0], 95) == 7.0


@pytest.mark.django_db(transaction=True)
def test_driver_counts_answers_and_errors_against_a_live_server(live_server):
    port = urlsplit(live_server.url).port
    ok = Page("log-in page", [(reverse("account_login"), "")])
    missing = Page("missing page", [("/no-such-page/", "")])

    # Two clients only where the live server has a connection per thread: on SQLite its
    # threads share one in-memory connection, which concurrent queries misuse.
    clients = 1 if connection.vendor == "sqlite" else 2
    drive(ok, port=port, concurrency=clients, seconds=1.0)
    drive(missing, port=port, concurrency=clients, seconds=0.5)

    assert len(ok.latencies) > 0 and ok.errors == 0
    assert ok.rps == pytest.approx(len(ok.latencies) / ok.seconds)
    assert missing.latencies == [] and missing.errors > 0
