# The staff board (drivers, missed reasons), reminders and salon appointments.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("membership", "0018_booking_slots")]

    operations = [
        # The staff board: the garment order a pickup brings in or a delivery takes back.
        migrations.AddField(
            model_name="booking",
            name="order",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="bookings",
                to="membership.order",
                verbose_name="order",
            ),
        ),
        # Booking updates (confirmed, on the way, done, missed) and reminders in the inbox.
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
                    ("booking_changed", "Booking update"),
                    ("booking_reminder", "Booking reminder"),
                    ("reward", "Reward"),
                    ("custom", "Message from the shop"),
                ],
                max_length=32,
                verbose_name="kind",
            ),
        ),
    ]
