"""Test settings: fast hashing, immediate tasks, in-memory mail, local-memory cache."""

import os

from .base import *  # noqa: F403
from .base import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# As in production with Redis: sessions read from the cache (query budgets count this way).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# As in production with Redis: member pages kept until the member or the shop changes.
MEMBER_PAGE_CACHE_SECONDS = 600
SMS_BACKEND = "membership.sms.OutboxSMSBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"].pop("init_command", None)
# A unique test database name lets several runs share one PostgreSQL server.
if os.environ.get("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
# Tests assert on English messages; the product default (zh-hans) is tested explicitly.
LANGUAGE_CODE = "en"
# Static files come from the finders in tests; no collected folder is needed (or warned about).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
