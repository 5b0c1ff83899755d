from allauth import urls as allauth_urls
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csp import csp_override
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.utils.urlpatterns import decorate_urlpatterns

from portal.counter import urls as counter_urls
from portal.customer import card as customer_card
from portal.customer import refer as customer_refer
from portal.customer import urls as customer_urls
from portal.payments import urls as payments_urls
from portal.security import private_urls

# The back office keeps its own, looser CSP (see SECURE_CSP_WAGTAIL_ADMIN for why).
decorate_urlpatterns(wagtailadmin_urls.urlpatterns, csp_override(settings.SECURE_CSP_WAGTAIL_ADMIN))

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),  # set_language for the switcher
    path("django-admin/", admin.site.urls),  # superusers only
    path("cms/", include(private_urls(wagtailadmin_urls))),  # the owner's back office
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include(private_urls(allauth_urls))),
    path("me/", include(private_urls(customer_urls))),
    path("counter/", include(private_urls(counter_urls))),
    path("payments/", include(private_urls(payments_urls))),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("sw.js", customer_card.service_worker, name="service-worker"),  # member card offline
    # A member's invitation link (short, to share): remembers the code, leads to sign-up.
    re_path(
        r"^r/(?P<code>[A-Za-z0-9-]{1,20})/$", customer_refer.referral_link, name="referral-link"
    ),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]

# Styled error pages in the visitor's language, each with a way back (portal/errors.py).
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"
