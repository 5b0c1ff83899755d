from django.urls import path

from portal import converters  # noqa: F401 (registers the path converters)

from . import (
    appointments,
    booking_links,
    bookings,
    card,
    coupons,
    inbox,
    offers,
    orders,
    points_rewards,
    profile,
    refer,
    tier,
    views,
    wallet,
)

app_name = "customer"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("card/", card.card, name="card"),
    path("tier/", tier.tier, name="tier"),
    path("profile/", profile.profile, name="profile"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("wallet/", wallet.wallet, name="wallet"),
    path("points/", wallet.points, name="points"),
    path("points/rewards/", points_rewards.points_rewards, name="points-rewards"),
    path("packages/", wallet.packages, name="packages"),
    path("coupons/", coupons.coupons, name="coupons"),
    path("refer/", refer.refer, name="refer"),
    path("offers/<id:pk>/use/", offers.offer_use, name="offer-use"),
    path("orders/", orders.orders, name="orders"),
    path("orders/<order_number:number>/", orders.order, name="order"),
    # A reminder's one-tap link: skip or move the booking (signed, for its member only).
    path("bookings/<id:pk>/skip/", booking_links.booking_skip, name="booking-skip"),
    path("bookings/", bookings.bookings, name="bookings"),
    path("bookings/new/", bookings.booking_new, name="booking-new"),
    path("bookings/<id:pk>/", bookings.booking, name="booking"),
    path("bookings/<id:pk>/cancel/", bookings.booking_cancel_view, name="booking-cancel"),
    path(
        "bookings/<id:pk>/reschedule/", bookings.booking_reschedule_view, name="booking-reschedule"
    ),
    path("appointments/", appointments.appointments, name="appointments"),
    path("appointments/new/", appointments.appointment_new, name="appointment-new"),
    path("appointments/<id:pk>/", appointments.appointment, name="appointment"),
    path(
        "appointments/<id:pk>/cancel/",
        appointments.appointment_cancel,
        name="appointment-cancel",
    ),
    path(
        "appointments/<id:pk>/reschedule/",
        appointments.appointment_reschedule_view,
        name="appointment-reschedule",
    ),
]
