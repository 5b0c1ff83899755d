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
OWNER_EXTRA_PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    ("simple_translation", "submit_translation"),  # "Translate" on an offer page
]
# Wagtail page permissions, granted on the tree root so they cover every locale's home page
# (translations are siblings under the root): offers and content are the owner's to write.
OWNER_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]

ROLE_LABELS = {MEMBER_GROUP: _("Member"), STAFF_GROUP: _("Staff"), OWNER_GROUP: _("Owner")}
