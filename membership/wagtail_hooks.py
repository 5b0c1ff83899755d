"""The owner's back office at /cms/: tiers with their benefits, member tags, stores, service
categories and a searchable member list. Only logins with `wagtailadmin.access_admin` (the
Owner group and superusers) get in; counter staff do not."""

from django import forms
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import (
    CreateView,
    EditView,
    SnippetViewSet,
    SnippetViewSetGroup,
)

from membership.backoffice import (
    LinkedIndexView,
    ShopInspectView,
    name_column,
    next_monthly_review,
)
from membership.models import Member, ServiceCategory, Store, Tag, Tier


class RetierNoticeMixin:
    """A saved tier changes nobody's tier until the monthly review: say when that is."""

    def get_success_message(self, *args, **kwargs):
        saved = super().get_success_message(*args, **kwargs)
        review = formats.date_format(next_monthly_review(), "DATE_FORMAT")
        notice = gettext("Members are re-tiered at the next monthly review, on %(date)s.") % {
            "date": review
        }
        return f"{saved} {notice}" if saved else notice


class TierCreateView(RetierNoticeMixin, CreateView):
    pass


class TierEditView(RetierNoticeMixin, EditView):
    pass


class TierViewSet(SnippetViewSet):
    model = Tier
    icon = "pick"
    menu_label = _("Tiers")
    index_view_class = LinkedIndexView
    add_view_class = TierCreateView
    edit_view_class = TierEditView
    list_display = [
        name_column(),
        "code",
        "rank",
        "min_spend",
        "min_orders",
        "target_share_percent",
        "points_multiplier",
        "stored_value_discount_percent",
    ]
    ordering = ["-rank"]
    search_fields = ["name_zh", "name_en", "code"]
    search_backend_name = None
    copy_view_enabled = False
    panels = [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("name_zh"), FieldPanel("name_en")]),
                FieldRowPanel([FieldPanel("code"), FieldPanel("rank"), FieldPanel("badge_color")]),
                FieldRowPanel(
                    [FieldPanel("target_share_percent"), FieldPanel("repurchase_target_percent")]
                ),
            ],
            heading=_("Tier"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("window_months"),
                FieldRowPanel([FieldPanel("min_spend"), FieldPanel("min_orders")]),
                FieldRowPanel(
                    [FieldPanel("min_orders_per_recent_month"), FieldPanel("recent_months")]
                ),
                FieldPanel("min_spend_per_recent_month"),
            ],
            heading=_("Criteria (rolling window)"),
            help_text=_(
                "A member holds the best-ranked tier whose criteria are all met over the window. "
                "The lowest-ranked tier is the default."
            ),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("promote_on_order"), FieldPanel("demote_one_step")]),
                FieldRowPanel([FieldPanel("hold_months"), FieldPanel("grace_review")]),
                FieldRowPanel(
                    [FieldPanel("frequency_drop_months"), FieldPanel("frequency_drop_percent")]
                ),
            ],
            heading=_("Moving in and out"),
            help_text=_(
                "The review runs at the start of every month in the shop's time zone; its "
                "months are calendar months."
            ),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("stored_value_discount_percent"), FieldPanel("points_multiplier")]
                ),
                FieldRowPanel(
                    [FieldPanel("pickup_response_hours"), FieldPanel("priority_booking")]
                ),
            ],
            heading=_("Benefits the system applies"),
        ),
        InlinePanel(
            "benefits",
            panels=[FieldPanel("title_zh"), FieldPanel("title_en"), FieldPanel("sort_order")],
            heading=_("Benefits shown to members"),
            label=_("Benefit"),
        ),
    ]


class StoreForm(WagtailAdminModelForm):
    """A store's page: the staff members listed for appointments must work at this store."""

    def is_valid(self):
        valid = super().is_valid()
        formset = self.formsets.get("appointment_staff")
        for form in formset.forms if formset is not None else []:
            data = getattr(form, "cleaned_data", None) or {}
            user = data.get("user")
            if user is None or data.get("DELETE"):
                continue
            if self.instance.pk is None:
                form.add_error(
                    "user", gettext("Save the store first, then list who takes appointments.")
                )
                valid = False
            elif user.store_id != self.instance.pk:
                form.add_error(
                    "user",
                    gettext("%(user)s does not work at this store: set their store first.")
                    % {"user": user.get_username()},
                )
                valid = False
        return valid


class StoreViewSet(SnippetViewSet):
    model = Store
    icon = "home"
    menu_label = _("Stores")
    index_view_class = LinkedIndexView
    list_display = ["name", "code", "address", "phone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code", "address"]
    search_backend_name = None
    copy_view_enabled = False

    def get_edit_handler(self):
        return ObjectList(self.panels, base_form_class=StoreForm).bind_to_model(self.model)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("code")]),
        FieldPanel("address"),
        FieldPanel("phone"),
        FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
        FieldPanel("service_radius_km"),
        FieldRowPanel([FieldPanel("turnaround_days"), FieldPanel("express_turnaround_days")]),
        FieldPanel("is_active"),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [
                        FieldPanel("offers_pickup"),
                        FieldPanel("offers_delivery"),
                        FieldPanel("offers_appointments"),
                    ]
                ),
                FieldRowPanel(
                    [FieldPanel("booking_cutoff_minutes"), FieldPanel("change_cutoff_minutes")]
                ),
                FieldPanel("booking_days_ahead"),
                FieldRowPanel([FieldPanel("express_offered"), FieldPanel("express_surcharge")]),
                FieldPanel("appointment_services", widget=forms.CheckboxSelectMultiple),
            ],
            heading=_("Bookings"),
            help_text=_(
                "Members book pickups and deliveries in the slots below, at addresses inside the "
                "service radius around the store's location or inside a service zone."
            ),
        ),
        InlinePanel(
            "slot_templates",
            panels=[
                FieldRowPanel(
                    [
                        FieldPanel("weekday"),
                        FieldPanel("start_time"),
                        FieldPanel("length_minutes"),
                    ]
                ),
                FieldRowPanel(
                    [
                        FieldPanel("pickup_capacity"),
                        FieldPanel("delivery_capacity"),
                        FieldPanel("appointment_capacity"),
                    ]
                ),
                FieldRowPanel([FieldPanel("held_back_percent"), FieldPanel("release_minutes")]),
            ],
            heading=_("Weekly slots"),
            label=_("Slot"),
            help_text=_(
                "The same slots every week, in the shop's time zone. A change reaches slots "
                "nobody has booked yet; booked slots keep their places."
            ),
        ),
        InlinePanel(
            "appointment_staff",
            panels=[
                FieldPanel("user"),
                FieldRowPanel([FieldPanel("name"), FieldPanel("sort_order")]),
                FieldRowPanel([FieldPanel("title_zh"), FieldPanel("title_en")]),
                FieldPanel("takes_appointments"),
            ],
            heading=_("Staff taking appointments"),
            label=_("Staff member"),
            help_text=_(
                "Who members can book an appointment with, each with the appointment places of "
                "the weekly slots above. Members see the name and title given here."
            ),
        ),
        InlinePanel(
            "closed_dates",
            panels=[FieldRowPanel([FieldPanel("date"), FieldPanel("reason")])],
            heading=_("Closed dates"),
            label=_("Closed date"),
            help_text=_("No bookings on these days."),
        ),
        InlinePanel(
            "service_zones",
            panels=[
                FieldRowPanel([FieldPanel("name_zh"), FieldPanel("name_en")]),
                FieldRowPanel(
                    [FieldPanel("latitude"), FieldPanel("longitude"), FieldPanel("radius_km")]
                ),
            ],
            heading=_("Service zones"),
            label=_("Zone"),
            help_text=_(
                "Named areas served besides the radius around the store: a centre and a radius."
            ),
        ),
    ]


class ServiceCategoryViewSet(SnippetViewSet):
    model = ServiceCategory
    icon = "tag"
    menu_label = _("Service categories")
    index_view_class = LinkedIndexView
    list_display = [
        name_column(),
        "code",
        "default_price",
        "sort_order",
    ]
    search_fields = ["name_zh", "name_en", "code"]
    search_backend_name = None
    copy_view_enabled = False
    panels = [
        FieldRowPanel([FieldPanel("name_zh"), FieldPanel("name_en")]),
        FieldRowPanel([FieldPanel("code"), FieldPanel("default_price"), FieldPanel("sort_order")]),
    ]


class TagViewSet(SnippetViewSet):
    model = Tag
    icon = "tag"
    menu_label = _("Tags")
    index_view_class = LinkedIndexView
    list_display = [
        name_column(),
        "code",
        "kind",
        "colour",
        "is_active",
    ]
    list_filter = ["kind", "is_active"]
    search_fields = ["name_zh", "name_en", "code"]
    search_backend_name = None
    copy_view_enabled = False
    panels = [
        FieldRowPanel([FieldPanel("name_zh"), FieldPanel("name_en")]),
        FieldRowPanel([FieldPanel("code"), FieldPanel("kind"), FieldPanel("colour")]),
        FieldPanel("is_active"),
    ]


class MemberViewPolicy(ModelPermissionPolicy):
    """Members are looked at here, not edited: they keep their own profile, tiers are set by
    the tier review and money moves only through the ledger services."""

    def user_has_permission(self, user, action):
        if action != "view":
            return False
        return super().user_has_permission(user, action)


register_permission_policy(Member, MemberViewPolicy(Member), exact_class=True)


class MemberInspectView(ShopInspectView):
    field_labels = {"name": _("Name")}  # a person's name (姓名), not a thing's (名称)


class MemberViewSet(SnippetViewSet):
    model = Member
    icon = "group"
    menu_label = _("Members")
    index_view_class = LinkedIndexView
    inspect_view_class = MemberInspectView
    list_display = [
        "number",
        Column("name", label=_("Name"), sort_key="name"),  # a person's name (姓名)
        Column("phone", label=_("Phone number"), accessor="user.phone"),
        Column("tier", label=_("Tier"), accessor="tier"),
        "joined_at",
    ]
    list_filter = ["tier"]
    list_per_page = 50
    search_fields = ["name", "number", "user__phone", "user__email"]
    search_backend_name = None
    inspect_view_enabled = True
    inspect_view_fields = [
        "number",
        "name",
        "gender",
        "birthday",
        "address",
        "tier",
        "tier_since",
        "joined_at",
        "first_visit_at",
        "needs_pickup_delivery",
        "express_preference",
        "discount_sensitivity",
        "payment_preference",
        "consent_marketing_sms",
        "consent_marketing_email",
    ]
    copy_view_enabled = False

    def get_queryset(self, request):
        return Member.objects.select_related("user", "tier").order_by("-joined_at", "-id")


class MembershipGroup(SnippetViewSetGroup):
    items = (TierViewSet, MemberViewSet, TagViewSet, StoreViewSet, ServiceCategoryViewSet)
    menu_icon = "group"
    menu_label = _("Membership")
    menu_name = "membership"
    menu_order = 200


register_snippet(MembershipGroup)
