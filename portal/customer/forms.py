"""Member-facing forms: they parse input; the rules live in membership services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from membership.models import Member, ServiceCategory


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Ticked rows by id. A value that is no id (a huge number, text) is refused before the
    query: SQLite cannot even bind an integer wider than 64 bits, it raises."""

    def clean(self, value):
        if isinstance(value, (list, tuple)):
            for pk in value:
                text = str(pk)
                if not (text.isascii() and text.isdigit() and len(text) <= 18):
                    raise forms.ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": text[:20]},
                    )
        return super().clean(value)


class ProfileForm(forms.Form):
    """What a member may change about themselves. Login phone/email and staff notes are not here."""

    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=Member.Gender.choices, required=False)
    birthday = forms.DateField(
        label=_("Birthday"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "autocomplete": "bday"}),
        help_text=_("We send you a small gift on your birthday."),
    )
    address = forms.CharField(
        label=_("Address for pickup and delivery"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        max_digits=12,
        decimal_places=9,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        max_digits=12,
        decimal_places=9,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    needs_pickup_delivery = forms.BooleanField(
        label=_("I'd like pickup and delivery"), required=False
    )
    express_preference = forms.ChoiceField(
        label=_("How often do you need express service?"), choices=Member.Frequency.choices
    )
    discount_sensitivity = forms.ChoiceField(
        label=_("How much do offers matter to you?"), choices=Member.Sensitivity.choices
    )
    payment_preference = forms.ChoiceField(
        label=_("How do you prefer to pay?"),
        choices=[("", _("No preference"))] + [c for c in Member.PaymentPreference.choices if c[0]],
        required=False,
    )
    favourite_categories = IdsChoiceField(
        label=_("What do you usually bring?"),
        queryset=ServiceCategory.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    consent_marketing_sms = forms.BooleanField(
        label=_("Send me offers by text message"), required=False
    )
    consent_marketing_email = forms.BooleanField(label=_("Send me offers by email"), required=False)
    # Saved by the messages service (member_notifications_set), not the profile service.
    notify_by_sms = forms.BooleanField(
        label=_("Text me when my stored value changes or I get a package"), required=False
    )
    notify_by_email = forms.BooleanField(
        label=_("Email me when my stored value changes or I get a package"), required=False
    )

    NOTICE_FIELDS = ("notify_by_sms", "notify_by_email")

    def __init__(self, *args, categories=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if categories is not None:
            self.fields["favourite_categories"].queryset = categories

    @classmethod
    def initial_for(cls, member: Member) -> dict:
        return {
            "name": member.name,
            "gender": member.gender,
            "birthday": member.birthday,
            "address": member.address,
            "latitude": member.latitude,
            "longitude": member.longitude,
            "needs_pickup_delivery": member.needs_pickup_delivery,
            "express_preference": member.express_preference,
            "discount_sensitivity": member.discount_sensitivity,
            "payment_preference": member.payment_preference,
            "favourite_categories": [c.pk for c in member.favourite_categories.all()],
            "consent_marketing_sms": member.consent_marketing_sms,
            "consent_marketing_email": member.consent_marketing_email,
            "notify_by_sms": member.notify_by_sms,
            "notify_by_email": member.notify_by_email,
        }
