from django.urls import path

from . import panel, scan

app_name = "counter"

urlpatterns = [
    # Identify the member: scan page, barcode-scanner field, the card's QR URL, search.
    path("", scan.home, name="home"),
    path("scan/", scan.scan, name="scan"),
    path("m/<str:number>/<str:code>/", scan.verify, name="verify"),
    path("search/", scan.search, name="search"),
    # The member panel and staff notes.
    path("members/<str:number>/", panel.panel, name="member"),
    path("members/<str:number>/notes/", panel.notes, name="member-notes"),
]
