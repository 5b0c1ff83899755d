# The garment order's life: taken in (items with notes, due date, express), cleaning, ready,
# then collected or delivered; paid when taken in or on collection.
import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("membership", "0016_order_points_payment")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="due_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="due"),
        ),
        migrations.AddField(
            model_name="order",
            name="handed_over_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="collected/delivered at"
            ),
        ),
        migrations.AddField(
            model_name="order",
            name="payment_timing",
            field=models.CharField(
                choices=[
                    ("on_receipt", "Paid when taken in"),
                    ("on_collection", "Paid on collection"),
                ],
                default="on_receipt",
                max_length=16,
                verbose_name="payment",
            ),
        ),
        migrations.AddField(
            model_name="order",
            name="ready_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="ready since"),
        ),
        migrations.AddField(
            model_name="order",
            name="received_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="taken in"),
        ),
        # Every order so far was an instant counter sale: handed over when it was rung up.
        migrations.AddField(
            model_name="order",
            name="stage",
            field=models.CharField(
                choices=[
                    ("received", "Received"),
                    ("cleaning", "Cleaning"),
                    ("ready", "Ready for pickup"),
                    ("collected", "Collected"),
                    ("delivered", "Delivered"),
                ],
                default="collected",
                max_length=12,
                verbose_name="stage",
            ),
        ),
        migrations.AddField(
            model_name="orderline",
            name="note",
            field=models.CharField(blank=True, max_length=255, verbose_name="note"),
        ),
        migrations.AddField(
            model_name="store",
            name="express_turnaround_days",
            field=models.PositiveSmallIntegerField(
                default=1,
                help_text="0 means the same day.",
                validators=[django.core.validators.MaxValueValidator(60)],
                verbose_name="days to clean an express order",
            ),
        ),
        migrations.AddField(
            model_name="store",
            name="turnaround_days",
            field=models.PositiveSmallIntegerField(
                default=3,
                help_text="The due date proposed when clothes are taken in.",
                validators=[django.core.validators.MaxValueValidator(60)],
                verbose_name="days to clean an order",
            ),
        ),
        migrations.AlterField(
            model_name="membermessage",
            name="kind",
            field=models.CharField(
                choices=[
                    ("balance_changed", "Stored value changed"),
                    ("coupon_issued", "Coupon received"),
                    ("points_granted", "Points received"),
                    ("package_granted", "Package received"),
                    ("order_ready", "Order ready"),
                    ("reward", "Reward"),
                    ("custom", "Message from the shop"),
                ],
                max_length=32,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="order",
            name="status",
            field=models.CharField(
                choices=[
                    ("unpaid", "Unpaid"),
                    ("completed", "Completed"),
                    ("refunded", "Refunded"),
                    ("voided", "Voided"),
                ],
                default="completed",
                max_length=12,
                verbose_name="status",
            ),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("stage__in", ["received", "cleaning", "ready"])),
                fields=["store", "due_at"],
                name="order_open_by_store",
            ),
        ),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "unpaid"), _negated=True),
                    models.Q(
                        ("discount", 0),
                        ("package_uses", 0),
                        ("points_earned", 0),
                        ("points_redeemed", 0),
                        ("stage__in", ["received", "cleaning", "ready"]),
                        ("subtotal", 0),
                        ("total", 0),
                    ),
                    _connector="OR",
                ),
                name="order_unpaid_settles_nothing",
            ),
        ),
    ]
