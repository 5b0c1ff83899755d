from django.urls import path

from portal import converters  # noqa: F401 (registers the path converters)

from . import archive, board, checkout, coupons, garments, packages, panel, scan, tags, tier_floor

app_name = "counter"

urlpatterns = [
    # Identify the member: scan page, barcode-scanner field, the card's QR URL, search.
    path("", scan.home, name="home"),
    path("scan/", scan.scan, name="scan"),
    path("m/<member_number:number>/<card_code:code>/", scan.verify, name="verify"),
    path("search/", scan.search, name="search"),
    # The member panel and staff notes.
    path("members/<member_number:number>/", panel.panel, name="member"),
    path("members/<member_number:number>/notes/", panel.notes, name="member-notes"),
    path("members/<member_number:number>/archive/", archive.member_archive, name="member-archive"),
    path("members/<member_number:number>/tags/", tags.member_tags, name="member_tags"),
    path(
        "members/<member_number:number>/tier-floor/",
        tier_floor.member_tier_floor_view,
        name="member-tier-floor",
    ),
    path(
        "members/<member_number:number>/tier-floor/remove/",
        tier_floor.member_tier_floor_remove,
        name="member-tier-floor-remove",
    ),
    # Checkout, orders (refund/void), counter top-up, follow-ups.
    path("members/<member_number:number>/checkout/", checkout.checkout, name="checkout"),
    path("members/<member_number:number>/top-up/", checkout.top_up, name="top-up"),
    path(
        "members/<member_number:number>/coupons/give/",
        coupons.give_coupon,
        name="member-coupon-give",
    ),
    path(
        "members/<member_number:number>/packages/sell/",
        packages.package_sell,
        name="package-sell",
    ),
    path(
        "members/<member_number:number>/packages/sold/<id:pk>/",
        packages.package_sale,
        name="package-sale",
    ),
    path(
        "members/<member_number:number>/follow-ups/new/", checkout.followup_new, name="followup-new"
    ),
    path("members/<member_number:number>/take-in/", checkout.take_in, name="take-in"),
    # Garment orders still at the shop; an order's stage; payment on collection.
    path("orders/", garments.open_orders, name="orders"),
    path("orders/<order_number:number>/", checkout.order, name="order"),
    path("orders/<order_number:number>/stage/", garments.order_stage, name="order-stage"),
    path("orders/<order_number:number>/collect/", garments.order_collect, name="order-collect"),
    path("orders/<order_number:number>/refund/", checkout.order_refund_view, name="order-refund"),
    path("orders/<order_number:number>/void/", checkout.order_void_view, name="order-void"),
    path("follow-ups/", checkout.followups, name="followups"),
    path("follow-ups/<id:pk>/done/", checkout.followup_done, name="followup-done"),
    # The pickup and delivery board, and each booking's card.
    path("board/", board.board, name="board"),
    path("board/bookings/<id:pk>/", board.booking_card, name="board-booking"),
]
