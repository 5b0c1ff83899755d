"""The three roles as groups. Members need no permissions: they only ever see their own data."""

from django.utils.translation import gettext_lazy as _

MEMBER_GROUP = "Members"
STAFF_GROUP = "Staff"
OWNER_GROUP = "Owner"

# (app_label, codename) pairs; models of these apps give the owner everything below.
STAFF_PERMISSIONS = [
    ("membership", "use_counter"),
    ("membership", "view_member"),
    ("membership", "view_order"),
    ("membership", "view_booking"),
]
OWNER_APPS = ["membership", "loyalty", "content"]
OWNER_EXTRA_PERMISSIONS = [("wagtailadmin", "access_admin")]

ROLE_LABELS = {MEMBER_GROUP: _("Member"), STAFF_GROUP: _("Staff"), OWNER_GROUP: _("Owner")}
