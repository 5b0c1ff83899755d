from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from portal.customer import card as customer_card

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),  # set_language for the switcher
    path("django-admin/", admin.site.urls),  # superusers only
    path("cms/", include(wagtailadmin_urls)),  # the owner's back office
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("me/", include("portal.customer.urls")),
    path("counter/", include("portal.counter.urls")),
    path("payments/", include("portal.payments.urls")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("sw.js", customer_card.service_worker, name="service-worker"),  # member card offline
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]
