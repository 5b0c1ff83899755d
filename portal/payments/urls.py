from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("top-up/", views.top_up_start, name="top_up"),
    path("top-up/success/", views.top_up_success, name="success"),
    path("top-up/cancel/", views.top_up_cancel, name="cancel"),
    path("package/", views.package_start, name="package"),
    path("package/success/", views.package_success, name="package_success"),
    path("package/cancel/", views.package_cancel, name="package_cancel"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
