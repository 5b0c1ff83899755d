"""Who members can book an in-store appointment with (salons and beauty shops).

A store lists the staff members who take appointments, with the name and title members see,
inline on the store's page in /cms/ (whose form checks they work at that store). Each of them has their own slot row per time
(membership.models.slots.Slot.staff), holding the template's appointment places.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey


class AppointmentStaff(models.Model):
    """A staff member of the store who takes appointments, as members see them."""

    store = ParentalKey(
        "membership.Store", on_delete=models.CASCADE, related_name="appointment_staff"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff login"),
        on_delete=models.CASCADE,
        related_name="appointment_places",
        # Staff logins work at a store; members' logins have none (and there are many).
        limit_choices_to={"store__isnull": False, "is_active": True},
        help_text=_("A login of a staff member who works at this store."),
    )
    name = models.CharField(
        _("name shown to members"), max_length=60, help_text=_("E.g. Tony, 王老师.")
    )
    title_zh = models.CharField(_("title (Chinese)"), max_length=60, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=60, blank=True)
    takes_appointments = models.BooleanField(
        _("takes appointments"),
        default=True,
        help_text=_("Off: members can no longer book them; booked appointments stay."),
    )
    sort_order = models.PositiveSmallIntegerField(
        _("order"),
        default=0,
        help_text=_("Members see staff in this order; “anyone free” books the first free one."),
    )

    class Meta:
        ordering = ["store", "sort_order", "id"]
        verbose_name = _("staff member taking appointments")
        verbose_name_plural = _("staff members taking appointments")
        constraints = [
            models.UniqueConstraint(fields=["store", "user"], name="appointment_staff_unique")
        ]

    @property
    def display_title(self) -> str:
        lang = (get_language() or "").lower()
        return self.title_en if lang.startswith("en") and self.title_en else self.title_zh

    def __str__(self) -> str:
        return self.name
