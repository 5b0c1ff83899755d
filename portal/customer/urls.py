from django.urls import path

from . import views, wallet

app_name = "customer"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("wallet/", wallet.wallet, name="wallet"),
    path("points/", wallet.points, name="points"),
    path("packages/", wallet.packages, name="packages"),
]
