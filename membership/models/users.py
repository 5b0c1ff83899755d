from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


class User(AbstractUser):
    """A login: a member, a staff user or the owner. Who they are to the shop lives in Member."""

    phone = PhoneNumberField(_("phone number"), unique=True, null=True, blank=True)
    phone_verified = models.BooleanField(_("phone verified"), default=False)
    # Staff work at a store; members are served at any store of the business.
    store = models.ForeignKey(
        "membership.Store",
        verbose_name=_("works at store"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
