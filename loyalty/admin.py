"""Read-only ledger views for superusers (/django-admin/). Entries are append-only."""

from django.contrib import admin

from loyalty.models import (
    CouponEvent,
    EntitlementEntry,
    OnlineTopUp,
    PointsAccount,
    PointsEntry,
    StripeEvent,
    WalletAccount,
    WalletEntry,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    list_per_page = 50

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PointsAccount)
class PointsAccountAdmin(ReadOnlyAdmin):
    list_display = ["member", "balance", "updated_at"]
    list_select_related = ["member"]
    search_fields = ["member__number", "member__name"]


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "account",
        "kind",
        "amount",
        "balance_after",
        "expires_at",
        "reason",
        "source_type",
        "source_id",
    ]
    list_filter = ["kind"]
    list_select_related = ["account__member"]
    search_fields = ["idempotency_key", "source_id", "account__member__number"]


@admin.register(WalletAccount)
class WalletAccountAdmin(ReadOnlyAdmin):
    list_display = ["member", "currency", "principal", "bonus", "updated_at"]
    list_select_related = ["member"]
    search_fields = ["member__number", "member__name"]


@admin.register(WalletEntry)
class WalletEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "account",
        "kind",
        "amount",
        "principal_amount",
        "bonus_amount",
        "balance_after",
        "method",
        "reason",
        "source_type",
        "source_id",
    ]
    list_filter = ["kind", "method"]
    list_select_related = ["account__member"]
    search_fields = ["idempotency_key", "source_id", "account__member__number"]


@admin.register(EntitlementEntry)
class EntitlementEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "entitlement", "kind", "amount", "balance_after", "reason"]
    list_filter = ["kind"]


@admin.register(CouponEvent)
class CouponEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "coupon", "kind", "order_total", "discount"]
    list_filter = ["kind"]


@admin.register(OnlineTopUp)
class OnlineTopUpAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "member",
        "amount",
        "currency",
        "status",
        "stripe_session_id",
        "stripe_payment_intent_id",
    ]
    list_filter = ["status"]
    search_fields = ["stripe_session_id", "stripe_payment_intent_id", "member__number"]


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "event_id", "type", "session_id", "payment_intent_id", "outcome"]
    list_filter = ["type", "outcome"]
    search_fields = ["event_id", "session_id", "payment_intent_id"]
