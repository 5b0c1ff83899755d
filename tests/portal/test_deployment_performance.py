"""Production keeps its database connections, and pages go out compressed."""

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def production_database(**env: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "d = settings.DATABASES['default']; "
        "print(json.dumps([d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], "
        "d['DISABLE_SERVER_SIDE_CURSORS'], settings.MIDDLEWARE]))"
    )
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DB_CONN_MAX_AGE", "DB_PGBOUNCER"}
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
    max_age, health_checks, no_server_cursors, middleware = json.loads(result.stdout)
    return {
        "max_age": max_age,
        "health_checks": health_checks,
        "no_server_cursors": no_server_cursors,
        "middleware": middleware,
    }


def test_production_keeps_connections_with_health_checks_by_default():
    settings = production_database()
    assert settings["max_age"] == 600
    assert settings["health_checks"] is True
    assert settings["no_server_cursors"] is False
    # After WhiteNoise (its files are pre-compressed), before anything that writes the body.
    middleware = settings["middleware"]
    gzip_at = middleware.index("django.middleware.gzip.GZipMiddleware")
    assert middleware.index("whitenoise.middleware.WhiteNoiseMiddleware") < gzip_at
    assert gzip_at < middleware.index("django.contrib.sessions.middleware.SessionMiddleware")


def test_connection_lifetime_and_pgbouncer_mode_are_settings():
    settings = production_database(DB_CONN_MAX_AGE="0", DB_PGBOUNCER="1")
    assert settings["max_age"] == 0
    assert settings["health_checks"] is True
    assert settings["no_server_cursors"] is True


@pytest.mark.django_db
def test_pages_are_gzipped_for_browsers_that_accept_it(member_client):
    url = reverse("customer:dashboard")
    plain = member_client.get(url)
    compressed = member_client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert "Content-Encoding" not in plain
    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    html = gzip.decompress(compressed.content).decode()
    assert "</html>" in html
    assert len(compressed.content) < len(plain.content) / 2


@pytest.mark.django_db
def test_compressed_pages_carry_djangos_breach_padding(member_client):
    # Django's mitigation ("Heal the Breach") puts a random-length file name in the gzip
    # header, so the compressed length no longer follows the page's secrets exactly.
    body = member_client.get(reverse("customer:card"), HTTP_ACCEPT_ENCODING="gzip").content
    FNAME = 0x08
    assert body[:2] == b"\x1f\x8b"
    assert body[3] & FNAME


def test_browser_libraries_are_served_minified():
    from django.contrib.staticfiles import finders

    # Minified by `npm ci` (package.json's postinstall); the sources are 257 KB and 57 KB.
    for path, most in [
        ("vendor/jsqr/jsQR.min.js", 140_000),
        ("vendor/qrcode-generator/qrcode.min.js", 25_000),
    ]:
        found = finders.find(path)
        assert found, f"{path}: run `npm ci` at the repository root"
        assert Path(found).stat().st_size < most, path


@pytest.mark.django_db
def test_card_page_loads_the_qr_library_before_its_script(member_client):
    html = member_client.get(reverse("customer:card")).content.decode()
    library = html.index('src="/static/vendor/qrcode-generator/qrcode.min.js"')
    assert library < html.index('src="/static/js/card.js"')
