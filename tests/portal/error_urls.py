"""The project's URLs plus a view that fails, to render the 500 page through Django."""

from django.urls import path

from portal.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401


def _boom(request):
    raise RuntimeError("boom: the 500 page is under test")


urlpatterns = [path("__boom__/", _boom), *urlpatterns]
