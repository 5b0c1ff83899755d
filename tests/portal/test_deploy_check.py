"""`manage.py check --deploy` with the production settings leaves only the shop's HSTS choices."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Whether HSTS binds every subdomain, and preloading, are the shop's own decisions.
SHOPS_OWN_CHOICES = {"security.W005", "security.W021"}


def run_deploy_check(**env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        # The browser tests' async escape hatch (set in-process) is no deployment's setting.
        if key
        not in {
            "DJANGO_SETTINGS_MODULE",
            "DEBUG",
            "SECURE_HSTS_SECONDS",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.example.com",
        **env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_production_settings_pass_the_deploy_check_but_for_the_hsts_choices():
    result = run_deploy_check()

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert set(re.findall(r"\((\w+\.[EW]\d+)\)", output)) == SHOPS_OWN_CHOICES, output


def test_hsts_is_a_year_by_default_and_a_setting():
    # check --deploy accepts any HSTS length (even an hour), so read the value itself.
    code = "from django.conf import settings; print(settings.SECURE_HSTS_SECONDS)"
    environment = dict(
        os.environ, DJANGO_SETTINGS_MODULE="portal.settings.production", SECRET_KEY="x" * 60
    )
    environment.pop("SECURE_HSTS_SECONDS", None)

    def hsts(**env: str) -> int:
        out = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            cwd=ROOT,
            env=environment | env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return int(out.stdout.strip())

    assert hsts() == 365 * 24 * 3600
    assert hsts(SECURE_HSTS_SECONDS="63072000") == 63072000
