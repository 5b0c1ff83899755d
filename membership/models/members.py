from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Member(models.Model):
    """The customer archive (客户档案): who the member is to the shop."""

    class Gender(models.TextChoices):
        UNSPECIFIED = "", _("Prefer not to say")
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")

    class Frequency(models.TextChoices):
        NEVER = "never", _("Never")
        SOMETIMES = "sometimes", _("Sometimes")
        OFTEN = "often", _("Often")

    class Sensitivity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    class PaymentPreference(models.TextChoices):
        UNKNOWN = "", _("Unknown")
        STORED_VALUE = "stored_value", _("Stored value")
        PER_ORDER = "per_order", _("Pay per order")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member"
    )
    number = models.CharField(_("member number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=80, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # Preferences
    needs_pickup_delivery = models.BooleanField(_("needs pickup and delivery"), default=False)
    express_preference = models.CharField(
        _("express service"), max_length=10, choices=Frequency.choices, default=Frequency.SOMETIMES
    )
    discount_sensitivity = models.CharField(
        _("discount sensitivity"),
        max_length=10,
        choices=Sensitivity.choices,
        default=Sensitivity.MEDIUM,
    )
    payment_preference = models.CharField(
        _("payment preference"), max_length=20, choices=PaymentPreference.choices, blank=True
    )
    favourite_categories = models.ManyToManyField(
        "membership.ServiceCategory", verbose_name=_("favourite categories"), blank=True
    )
    preferred_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("preferred staff member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="preferred_by",
    )
    # Consent (privacy): nothing is sent for marketing without it.
    consent_marketing_sms = models.BooleanField(_("offers by SMS"), default=False)
    consent_marketing_email = models.BooleanField(_("offers by email"), default=False)
    consent_terms_at = models.DateTimeField(_("accepted terms at"), null=True, blank=True)
    # Service notices (stored-value changes, packages) outside the app; the inbox has them all.
    notify_by_sms = models.BooleanField(_("account notices by SMS"), default=False)
    notify_by_email = models.BooleanField(_("account notices by email"), default=False)
    # Tier (set only by the tier review service)
    tier = models.ForeignKey(
        "membership.Tier",
        verbose_name=_("tier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    tier_since = models.DateTimeField(_("in tier since"), null=True, blank=True)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    first_visit_at = models.DateTimeField(_("first visit"), null=True, blank=True)
    # The code a member shares to refer friends (membership.services.referrals): given at
    # sign-up, and to older members the first time they need it, so it may still be empty.
    referral_code = models.CharField(
        _("referral code"), max_length=12, unique=True, null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["-joined_at"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        indexes = [models.Index(fields=["name"])]
        permissions = [("use_counter", _("Can work at the counter (scan, look up, ring up)"))]

    def __str__(self) -> str:
        return self.name or self.number


class MemberNote(models.Model):
    """A note staff keep about a member (likes, needs, complaints); members never see these."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("note"), max_length=2000)
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("staff note")
        verbose_name_plural = _("staff notes")
