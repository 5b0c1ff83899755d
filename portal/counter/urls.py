from django.urls import path

from . import checkout, panel, scan, tags

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
    path("members/<str:number>/tags/", tags.member_tags, name="member_tags"),
    # Checkout, orders (refund/void), counter top-up, follow-ups.
    path("members/<str:number>/checkout/", checkout.checkout, name="checkout"),
    path("members/<str:number>/top-up/", checkout.top_up, name="top-up"),
    path("members/<str:number>/follow-ups/new/", checkout.followup_new, name="followup-new"),
    path("orders/<str:number>/", checkout.order, name="order"),
    path("orders/<str:number>/refund/", checkout.order_refund_view, name="order-refund"),
    path("orders/<str:number>/void/", checkout.order_void_view, name="order-void"),
    path("follow-ups/", checkout.followups, name="followups"),
    path("follow-ups/<int:pk>/done/", checkout.followup_done, name="followup-done"),
]
