"""The site's URLs plus /bench/bare/: the cheapest Django view (the full middleware stack and
nothing else), the baseline bench_load measures every page against in the same process.
Used only by portal.settings.bench."""

from django.http import HttpResponse
from django.urls import path

from portal.urls import urlpatterns as site_urlpatterns


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *site_urlpatterns]
