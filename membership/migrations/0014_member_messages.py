# The member's inbox (messages, their deliveries outside the app) and consent to notices.
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("membership", "0013_event_kinds_referral_package")]

    operations = [
        migrations.AddField(
            model_name="member",
            name="notify_by_email",
            field=models.BooleanField(default=False, verbose_name="account notices by email"),
        ),
        migrations.AddField(
            model_name="member",
            name="notify_by_sms",
            field=models.BooleanField(default=False, verbose_name="account notices by SMS"),
        ),
        migrations.CreateModel(
            name="MemberMessage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("balance_changed", "Stored value changed"),
                            ("coupon_issued", "Coupon received"),
                            ("points_granted", "Points received"),
                            ("package_granted", "Package received"),
                            ("reward", "Reward"),
                            ("custom", "Message from the shop"),
                        ],
                        max_length=32,
                        verbose_name="kind",
                    ),
                ),
                ("data", models.JSONField(blank=True, default=dict, verbose_name="details")),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="sent"),
                ),
                ("read_at", models.DateTimeField(blank=True, null=True, verbose_name="read")),
                (
                    "idempotency_key",
                    models.CharField(max_length=200, unique=True, verbose_name="request key"),
                ),
                (
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="membership.member",
                    ),
                ),
            ],
            options={
                "verbose_name": "member message",
                "verbose_name_plural": "member messages",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="MessageDelivery",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("channel", models.CharField(max_length=32, verbose_name="channel")),
                (
                    "sent_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="sent"),
                ),
                (
                    "message",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="membership.membermessage",
                    ),
                ),
            ],
            options={
                "verbose_name": "message delivery",
                "verbose_name_plural": "message deliveries",
            },
        ),
        migrations.AddIndex(
            model_name="membermessage",
            index=models.Index(
                fields=["member", "-created_at", "-id"], name="member_message_inbox"
            ),
        ),
        migrations.AddIndex(
            model_name="membermessage",
            index=models.Index(
                condition=models.Q(("read_at__isnull", True)),
                fields=["member", "-created_at"],
                name="member_message_unread",
            ),
        ),
        migrations.AddConstraint(
            model_name="messagedelivery",
            constraint=models.UniqueConstraint(
                fields=("message", "channel"), name="message_delivered_once_per_channel"
            ),
        ),
    ]
