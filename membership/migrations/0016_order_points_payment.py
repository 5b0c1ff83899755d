# Points used as payment on an order; the total is wallet + cash + card + points.
from decimal import Decimal

import django.db.models.expressions
import django.db.models.functions.math
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("membership", "0015_referrals")]

    operations = [
        migrations.RemoveConstraint(
            model_name="order",
            name="order_settlement_parts_not_negative",
        ),
        migrations.RemoveConstraint(
            model_name="order",
            name="order_total_is_sum_of_payments",
        ),
        migrations.AddField(
            model_name="order",
            name="points_amount",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("0"),
                max_digits=12,
                verbose_name="paid with points",
            ),
        ),
        migrations.AddField(
            model_name="order",
            name="points_redeemed",
            field=models.PositiveIntegerField(default=0, verbose_name="points used as payment"),
        ),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("card_amount__gte", 0),
                    ("cash_amount__gte", 0),
                    ("coupon_discount__gte", 0),
                    ("package_discount__gte", 0),
                    ("points_amount__gte", 0),
                    ("points_redeemed__gte", 0),
                    ("tier_discount__gte", 0),
                    ("wallet_amount__gte", 0),
                ),
                name="order_settlement_parts_not_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "total",
                        django.db.models.functions.math.Round(
                            django.db.models.expressions.CombinedExpression(
                                django.db.models.expressions.CombinedExpression(
                                    django.db.models.expressions.CombinedExpression(
                                        models.F("wallet_amount"), "+", models.F("cash_amount")
                                    ),
                                    "+",
                                    models.F("card_amount"),
                                ),
                                "+",
                                models.F("points_amount"),
                            ),
                            2,
                        ),
                    )
                ),
                name="order_total_is_sum_of_payments",
            ),
        ),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("points_amount", 0), ("points_redeemed__gt", 0), _connector="OR"
                ),
                name="order_points_amount_needs_points",
            ),
        ),
    ]
