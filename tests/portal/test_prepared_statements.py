"""PostgreSQL plans a page's queries once per connection when DB_PREPARED_STATEMENTS is set:
parameters bound by the server and queries prepared; never behind PgBouncer in transaction
mode, and off unless asked for."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def database_options(**env: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
    )
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DB_PREPARED_STATEMENTS", "DB_PGBOUNCER"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        SECRET_KEY="x" * 60,
        DATABASE_URL="postgres://portal@db.example.com:5432/portal",
        **env,
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("env", "prepared"),
    [
        ({}, False),
        ({"DB_PREPARED_STATEMENTS": "1"}, True),
        ({"DB_PREPARED_STATEMENTS": "1", "DB_PGBOUNCER": "1"}, False),
    ],
)
def test_prepared_statements_are_asked_for_and_never_behind_pgbouncer(env, prepared):
    options = database_options(**env)

    assert options.get("server_side_binding", False) is prepared
    assert ("prepare_threshold" in options) is prepared
