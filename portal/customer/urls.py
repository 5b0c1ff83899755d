from django.urls import path

from portal import converters  # noqa: F401 (registers the path converters)

from . import (
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
]
