# Spending points: the owner's settings for paying with points, and the points catalogue.
import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("loyalty", "0010_tier_change_labels"),
        ("membership", "0016_order_points_payment"),
    ]

    operations = [
        migrations.CreateModel(
            name="PointsReward",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name_zh", models.CharField(max_length=80, verbose_name="name (Chinese)")),
                (
                    "name_en",
                    models.CharField(blank=True, max_length=80, verbose_name="name (English)"),
                ),
                (
                    "points_cost",
                    models.PositiveIntegerField(
                        help_text="Taken from the member's points when they exchange.",
                        validators=[django.core.validators.MinValueValidator(1)],
                        verbose_name="points it costs",
                    ),
                ),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="Only active rewards are shown to members.",
                        verbose_name="active",
                    ),
                ),
                (
                    "sort_order",
                    models.PositiveSmallIntegerField(
                        default=0,
                        help_text="Smaller numbers are listed first.",
                        verbose_name="display order",
                    ),
                ),
                (
                    "per_member_limit",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="Leave empty for no limit.",
                        null=True,
                        validators=[django.core.validators.MinValueValidator(1)],
                        verbose_name="exchanges per member",
                    ),
                ),
                (
                    "coupon_template",
                    models.ForeignKey(
                        help_text="The member gets one coupon with these terms.",
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="points_rewards",
                        to="loyalty.coupontemplate",
                        verbose_name="coupon it gives",
                    ),
                ),
            ],
            options={
                "verbose_name": "points reward",
                "verbose_name_plural": "points rewards",
                "ordering": ["sort_order", "points_cost", "id"],
            },
        ),
        migrations.AddConstraint(
            model_name="pointsreward",
            constraint=models.CheckConstraint(
                condition=models.Q(("points_cost__gte", 1)), name="points_reward_cost_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="pointsreward",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("per_member_limit__isnull", True),
                    ("per_member_limit__gte", 1),
                    _connector="OR",
                ),
                name="points_reward_limit_positive",
            ),
        ),
        migrations.AddField(
            model_name="loyaltysettings",
            name="points_payment_enabled",
            field=models.BooleanField(
                default=False,
                help_text="At the counter, staff can take part of an order in points.",
                verbose_name="members can pay with points",
            ),
        ),
        migrations.AddField(
            model_name="loyaltysettings",
            name="points_payment_max_percent",
            field=models.PositiveSmallIntegerField(
                default=50,
                help_text=(
                    "0 to 100, of the amount due after packages and coupons. No points are "
                    "earned on the part paid with points."
                ),
                validators=[django.core.validators.MaxValueValidator(100)],
                verbose_name="largest share of an order payable with points (%)",
            ),
        ),
        migrations.AddField(
            model_name="loyaltysettings",
            name="points_payment_minimum",
            field=models.PositiveIntegerField(
                default=0,
                help_text="0 means any number of points.",
                verbose_name="fewest points that can be used at once",
            ),
        ),
        migrations.AddField(
            model_name="loyaltysettings",
            name="points_payment_rate",
            field=models.PositiveIntegerField(
                default=100,
                help_text=(
                    "E.g. 100: 100 points pay 1.00. The value of the points used is rounded "
                    "down to the cent."
                ),
                validators=[django.core.validators.MinValueValidator(1)],
                verbose_name="points per currency unit when paying",
            ),
        ),
        migrations.AddConstraint(
            model_name="loyaltysettings",
            constraint=models.CheckConstraint(
                condition=models.Q(("points_payment_rate__gte", 1)),
                name="points_payment_rate_positive",
            ),
        ),
        migrations.AddConstraint(
            model_name="loyaltysettings",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("points_payment_max_percent__gte", 0), ("points_payment_max_percent__lte", 100)
                ),
                name="points_payment_share_is_a_percent",
            ),
        ),
        migrations.AddConstraint(
            model_name="loyaltysettings",
            constraint=models.CheckConstraint(
                condition=models.Q(("points_payment_minimum__gte", 0)),
                name="points_payment_minimum_not_negative",
            ),
        ),
    ]
