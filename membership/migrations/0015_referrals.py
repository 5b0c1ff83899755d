# Referral codes and who referred whom.
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("membership", "0014_member_messages")]

    operations = [
        migrations.AddField(
            model_name="member",
            name="referral_code",
            field=models.CharField(
                blank=True,
                editable=False,
                max_length=12,
                null=True,
                unique=True,
                verbose_name="referral code",
            ),
        ),
        migrations.CreateModel(
            name="Referral",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "phone_hash",
                    models.CharField(max_length=64, unique=True, verbose_name="phone number hash"),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="signed up"
                    ),
                ),
                (
                    "qualified_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="qualified"),
                ),
                (
                    "referred",
                    models.OneToOneField(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="referral",
                        to="membership.member",
                        verbose_name="new member",
                    ),
                ),
                (
                    "referrer",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="referrals_made",
                        to="membership.member",
                        verbose_name="referred by",
                    ),
                ),
            ],
            options={
                "verbose_name": "referral",
                "verbose_name_plural": "referrals",
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["referrer", "qualified_at"], name="referral_by_referrer")
                ],
            },
        ),
    ]
