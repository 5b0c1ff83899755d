"""Settings shared by every environment; everything that differs comes from the environment."""

import os
import re
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-development-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "membership",
    "loyalty",
    "portal",
    "portal.content",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_tasks_db",
    "crontask",  # `manage.py crontask`: the scheduler of the periodic tasks in */tasks.py
    "phonenumber_field",
    "import_export",  # the owner's import from an old till (preview, row errors, dry run)
    "allauth",
    "allauth.account",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.simple_translation",
    "wagtail.locales",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "portal.security.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed here (Django's BREACH mitigation pads each response at random; CSRF
    # tokens are masked per response); static files are pre-compressed by WhiteNoise above.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.accounts.middleware.RateLimitedAs429Middleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# SQLite file by default (a shop trying it out); PostgreSQL when DATABASE_URL points at one.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    INSTALLED_APPS.append("django.contrib.postgres")  # Wagtail's search needs it on PostgreSQL
    # Opt-in: parameters bound by the server and each query prepared the second time a
    # connection runs it, so PostgreSQL plans a page's queries once per connection rather than
    # at every request (with kept connections, the database's CPU per member dashboard fell
    # from 4.0 to 1.4 ms). Not behind PgBouncer in transaction mode (DB_PGBOUNCER).
    if env_bool("DB_PREPARED_STATEMENTS", False) and not env_bool("DB_PGBOUNCER", False):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": 2}
        )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web + task worker) share the file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "membership.User"

AUTHENTICATION_BACKENDS = [
    "portal.accounts.backends.PortalModelBackend",
    "portal.accounts.backends.PortalAuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REDIS_URL = os.environ.get("REDIS_URL", "")
# With Redis, a lock there keeps a second scheduler from running the same jobs twice.
CRONTASK = {"REDIS_URL": REDIS_URL or None}
if REDIS_URL:
    CACHES = {
        # Django's Redis cache, its client objects kept (portal/cache.py).
        "default": {"BACKEND": "portal.cache.RedisCache", "LOCATION": REDIS_URL}
    }
    # Sessions read from Redis (written through to the database): one query less per page.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # allauth's rate limits need a cache shared by all web processes; the database one is
    # shared and needs no extra service (create it with `createcachetable`).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
        }
    }

# Member pages kept rendered (portal/member_page_cache.py) for this many seconds at most; each
# copy is dropped as soon as the member or the shop changes. On by default with Redis; 0 = off.
MEMBER_PAGE_CACHE_SECONDS = int(
    os.environ.get("MEMBER_PAGE_CACHE_SECONDS", "600" if REDIS_URL else "0")
)

# Background work: django.tasks with the database backend (`manage.py db_worker`).
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# --- Languages, money and time ---------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")  # the shop's timezone
PORTAL_CURRENCY = os.environ.get("PORTAL_CURRENCY", "CNY")
# The most one order may total; any single amount typed at the counter too (membership/limits.py).
PORTAL_MAX_ORDER_AMOUNT = Decimal(os.environ.get("PORTAL_MAX_ORDER_AMOUNT", "1000000.00"))
if not Decimal("0") < PORTAL_MAX_ORDER_AMOUNT < Decimal("10000000000"):
    raise ImproperlyConfigured("PORTAL_MAX_ORDER_AMOUNT must be above 0 and below 10,000,000,000.")
PHONENUMBER_DEFAULT_REGION = os.environ.get("PHONENUMBER_DEFAULT_REGION", "CN")
PHONENUMBER_DB_FORMAT = "E164"

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Browser libraries from npm (package.json, installed by `npm ci`), served by the app: no CDN.
# Guarded so settings load before `npm ci` ran; the scan page then says the camera is unavailable.
if (BASE_DIR / "node_modules" / "jsqr" / "dist").is_dir():
    STATICFILES_DIRS.append(("vendor/jsqr", BASE_DIR / "node_modules" / "jsqr" / "dist"))
# Draws the member card's QR codes in the page; `npm ci` minifies both (package.json).
if (BASE_DIR / "node_modules" / "qrcode-generator" / "dist").is_dir():
    STATICFILES_DIRS.append(
        ("vendor/qrcode-generator", BASE_DIR / "node_modules" / "qrcode-generator" / "dist")
    )
# The owner's report charts (Apache ECharts).
if (BASE_DIR / "node_modules" / "echarts" / "dist").is_dir():
    STATICFILES_DIRS.append(("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"))
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "var" / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Accounts (django-allauth) ---------------------------------------------------------------
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "customer:dashboard"
ACCOUNT_ADAPTER = "portal.accounts.adapter.PortalAccountAdapter"
ACCOUNT_USER_DISPLAY = "portal.accounts.adapter.user_display"
ACCOUNT_FORMS = {
    "signup": "portal.accounts.forms.PortalSignupForm",
    "login": "portal.accounts.forms.PortalLoginForm",
    "confirm_login_code": "portal.accounts.forms.PortalConfirmLoginCodeForm",
    "verify_phone": "portal.accounts.forms.PortalVerifyPhoneForm",
    "change_phone": "portal.accounts.forms.PortalChangePhoneForm",
    "request_login_code": "portal.accounts.forms.PortalRequestLoginCodeForm",
}
ACCOUNT_LOGIN_METHODS = {"phone", "email"}
# A phone number OR an email address: both are optional to allauth and PortalSignupForm
# requires one of them. A password is optional (login by code is the default path).
ACCOUNT_SIGNUP_FIELDS = ["phone", "email", "password1"]
# account.W001 warns that no login method is a required sign-up field: the form enforces it.
SILENCED_SYSTEM_CHECKS = ["account.W001"]
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_CHANGE = True  # fix a mistyped number on the code page
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_CHANGE_EMAIL = True  # a new address replaces the old one only once it is verified
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_REQUIRED = False
ACCOUNT_PREVENT_ENUMERATION = True
# Six digits: what people expect in a text message, and phones offer to fill it in.
ALLAUTH_USER_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_PASSWORD_INPUT_RENDER_VALUE = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_UNIQUE_EMAIL = True
# Merged into allauth's defaults; they need a cache shared by all web processes (see CACHES).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "request_login_code": "20/m/ip,3/m/key",
    "verify_phone": "1/30s/key,3/m/ip",
    "change_phone": "1/m/user",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
# SMS goes through a pluggable backend; the console one prints the message.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "membership.sms.ConsoleSMSBackend")
# Sign-in texts (codes, account notices) per hour across all processes; 0 means no ceiling.
# Reaching it stops them for the rest of the hour and emails the owners.
SMS_HOURLY_LIMIT = int(os.environ.get("SMS_HOURLY_LIMIT", "200"))
# Country calling codes a new (or changed) phone number may have, e.g. "86,852".
PORTAL_SIGNUP_COUNTRY_CODES = env_list("PORTAL_SIGNUP_COUNTRY_CODES", "86")
# Behind a reverse proxy every request comes from the proxy: the client is read from
# X-Forwarded-For, trusting as many hops as there are proxies of ours (0: the header is
# ignored), or from one header the proxy sets. allauth's limits and the app's own use it.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = os.environ.get("TRUSTED_CLIENT_IP_HEADER") or None
# Member lookups (searches, member panels opened) per staff login: a busy counter stays far
# below, a script copying the member list does not.
COUNTER_LOOKUP_RATE_LIMITS = os.environ.get("COUNTER_LOOKUP_RATE_LIMITS", "100/10m,300/h,2000/d")
if not re.fullmatch(r"[1-9]\d*/\d*[smhd](,[1-9]\d*/\d*[smhd])*", COUNTER_LOOKUP_RATE_LIMITS):
    raise ImproperlyConfigured(
        'COUNTER_LOOKUP_RATE_LIMITS: amounts per window, e.g. "100/10m,300/h".'
    )
if SMS_HOURLY_LIMIT < 0 or ALLAUTH_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("SMS_HOURLY_LIMIT and TRUSTED_PROXY_COUNT cannot be negative.")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "portal@localhost")
# Where member messages go besides the inbox, in order: MessageChannel classes by dotted path
# (membership/channels.py). A WeChat gateway is one more class here.
PORTAL_MESSAGE_CHANNELS = env_list(
    "PORTAL_MESSAGE_CHANNELS", "membership.channels.SMSChannel,membership.channels.EmailChannel"
)

# --- Wagtail ---------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = os.environ.get("WAGTAIL_SITE_NAME", "Membership portal")
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# Offers and content are written once per language (Wagtail locales, "Translate" in the page
# menu); members see their language's translation, else the default language's. No URL prefix:
# the language comes from the member's choice (session/cookie), as for the rest of the app.
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
# The back office fetches nothing from third parties: Wagtail's own avatar, no Gravatar.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# --- Stripe (online top-up; hidden when no key is set) ---------------------------------------
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")  # only for tests and local fakes

# --- Security headers ------------------------------------------------------------------------
# Content-Security-Policy: Django's own (django.middleware.csp, the django-csp design merged
# into Django 6), so no extra package. Our pages load scripts and styles only from our
# origin; a template that needs an inline <style> or <script> gives it nonce="{{ csp_nonce }}".
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    # allauth's phone and e-mail change pages hide a form with style="display: none": allow
    # exactly that value (by its hash), no other style attribute.
    "style-src-attr": [CSP.UNSAFE_HASHES, "'sha256-ZdHxw9eWtnxUb3mk6tBS+gIiVUPE3pGM470keHPDFlE='"],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    # Online top-up posts to us and is redirected to Stripe Checkout (form-action covers that).
    "form-action": [CSP.SELF, "https://checkout.stripe.com"],
}
# Wagtail 8's admin still writes a few inline scripts (InlinePanel, date pickers: their
# content varies, so no hash fits) and cannot take a nonce from us (wagtail/wagtail#1288,
# #7053). /cms/ gets 'unsafe-inline' for scripts only; only logged-in owners reach it, its
# styles stay strict (tests/e2e/test_csp.py walks the back office), and every other page
# keeps the policy above. No nonce here on purpose: a nonce makes browsers ignore
# 'unsafe-inline'.
SECURE_CSP_WAGTAIL_ADMIN = SECURE_CSP | {
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    # The page editor's bundled libraries insert <style> elements at run time.
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "style-src-attr": None,
    "img-src": [CSP.SELF, "data:", "blob:"],
    "frame-ancestors": [CSP.SELF],  # the page editor's live preview frames admin URLs
}
# Permissions-Policy (portal.security.PermissionsPolicyMiddleware): no page may use these
# browser features, except where PERMISSIONS_POLICY_PAGES (by URL name) allows one.
PERMISSIONS_POLICY = {
    "accelerometer": "()",
    "camera": "()",
    "display-capture": "()",
    "geolocation": "()",
    "gyroscope": "()",
    "magnetometer": "()",
    "microphone": "()",
    "payment": "()",
    "usb": "()",
}
PERMISSIONS_POLICY_PAGES = {
    # The counter's scanner reads the member's QR code with the camera.
    "counter:home": {"camera": "(self)"},
    "counter:scan": {"camera": "(self)"},
    # "Use my location" fills the pickup address coordinates.
    "customer:profile": {"geolocation": "(self)"},
    "customer:booking-new": {"geolocation": "(self)"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Console output stays readable: texts (one-time codes) set apart, one line per task.
    "formatters": {"console": {"()": "portal.console_logging.ConsoleFormatter"}},
    "filters": {
        "task_finished_only": {"()": "portal.console_logging.TaskFinishedOnly"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "console"},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Not Django's own console handler as well: with DEBUG on, every django.* line
        # (the task worker's among them) printed twice, once there and once at the root.
        "django": {"handlers": ["mail_admins"]},
        "django.db.backends": {"level": "WARNING"},
        "django.tasks": {"filters": ["task_finished_only"]},
        "membership.sms": {"level": "INFO"},  # the console SMS backend's texts always show
        # Wagtail logs every page created, edited and published at INFO: the demo seed's
        # pages buried the one-time codes; the back office's own history keeps those events.
        "wagtail": {"level": "WARNING"},
        # The scheduler logs two lines for its lock every 5 seconds at INFO, which buried
        # the one-time codes in the demo's console; failures still show at WARNING.
        "apscheduler": {"level": "WARNING"},
    },
}
