# Segments: lifecycle stage, RFM scores, the amount x frequency matrix, dynamic tag rules.
from decimal import Decimal

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0012_package_online_sale")]

    operations = [
        migrations.CreateModel(
            name="SegmentRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "computed_at",
                    models.DateTimeField(
                        db_index=True, default=django.utils.timezone.now, verbose_name="computed"
                    ),
                ),
                ("members", models.PositiveIntegerField(default=0, verbose_name="members")),
                ("tags_added", models.PositiveIntegerField(default=0, verbose_name="tags added")),
                (
                    "tags_removed",
                    models.PositiveIntegerField(default=0, verbose_name="tags removed"),
                ),
                (
                    "duration_ms",
                    models.PositiveIntegerField(default=0, verbose_name="duration (ms)"),
                ),
                ("cutoffs", models.JSONField(default=dict, verbose_name="lines")),
            ],
            options={
                "verbose_name": "segment run",
                "verbose_name_plural": "segment runs",
                "ordering": ["-computed_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="SegmentSettings",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "new_days",
                    models.PositiveSmallIntegerField(
                        default=30,
                        help_text="A member is new for this many days after their first order.",
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(3650),
                        ],
                        verbose_name="new customer for (days)",
                    ),
                ),
                (
                    "active_days",
                    models.PositiveSmallIntegerField(
                        default=90,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(3650),
                        ],
                        verbose_name="active if the last order is within (days)",
                    ),
                ),
                (
                    "sleeping_days",
                    models.PositiveSmallIntegerField(
                        default=180,
                        help_text="Longer than the active days. Members whose last order is older are churned; members who never ordered are prospects.",
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(3650),
                        ],
                        verbose_name="sleeping if the last order is within (days)",
                    ),
                ),
                (
                    "window_months",
                    models.PositiveSmallIntegerField(
                        default=12,
                        help_text="RFM frequency and amount, the matrix and the pickup tag count the completed orders of this many months back.",
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(60),
                        ],
                        verbose_name="analysis window (months)",
                    ),
                ),
                (
                    "matrix_line",
                    models.CharField(
                        choices=[
                            ("median", "The median of the members who ordered in the window"),
                            ("fixed", "My own numbers below"),
                        ],
                        default="median",
                        help_text="Amount is the average spend per order in the window, frequency the number of orders in the window. At or above a line is high or frequent.",
                        max_length=10,
                        verbose_name="matrix lines",
                    ),
                ),
                (
                    "amount_line",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=10,
                        null=True,
                        validators=[django.core.validators.MinValueValidator(Decimal("0.01"))],
                        verbose_name="high amount: average spend per order of at least",
                    ),
                ),
                (
                    "frequency_line",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[django.core.validators.MinValueValidator(1)],
                        verbose_name="frequent: orders in the window, at least",
                    ),
                ),
            ],
            options={
                "verbose_name": "segments",
            },
        ),
        migrations.CreateModel(
            name="DynamicTagRule",
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
                            ("spent_this_month", "Spent more than an amount this month"),
                            ("no_visit", "No visit for a number of days"),
                            ("pickup_times", "Used pickup/delivery a number of times"),
                            ("high_frequency", "High frequency: orders within days"),
                        ],
                        max_length=20,
                        verbose_name="rule",
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        help_text="Spent this month: the tag goes to members who spent more than this.",
                        max_digits=10,
                        null=True,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                        verbose_name="amount",
                    ),
                ),
                (
                    "count",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="Pickup/delivery: this many or more in the analysis window. High frequency: this many or more orders within the days below.",
                        null=True,
                        validators=[django.core.validators.MinValueValidator(1)],
                        verbose_name="number of orders",
                    ),
                ),
                (
                    "days",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="No visit: members who have ordered before but not in this many days. High frequency: the orders are counted over this many days.",
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(3650),
                        ],
                        verbose_name="days",
                    ),
                ),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="Inactive rules take their tag off everyone.",
                        verbose_name="active",
                    ),
                ),
                (
                    "tag",
                    models.ForeignKey(
                        help_text="A dynamic tag (Members → Tags, kind: dynamic). Staff cannot change it.",
                        limit_choices_to={"kind": "dynamic"},
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="dynamic_rules",
                        to="membership.tag",
                        verbose_name="tag",
                    ),
                ),
            ],
            options={
                "verbose_name": "dynamic tag rule",
                "verbose_name_plural": "dynamic tag rules",
                "ordering": ["tag__code", "id"],
            },
        ),
        migrations.CreateModel(
            name="MemberSegment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "lifecycle_stage",
                    models.CharField(
                        choices=[
                            ("prospect", "Prospect"),
                            ("new", "New"),
                            ("active", "Active"),
                            ("sleeping", "Sleeping"),
                            ("churned", "Churned"),
                        ],
                        db_index=True,
                        max_length=10,
                        verbose_name="lifecycle stage",
                    ),
                ),
                (
                    "value_group",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("big", "Big customer (frequent, high amount)"),
                            ("potential", "Potential (infrequent, high amount)"),
                            ("loyal", "Loyal (frequent, low amount)"),
                            ("occasional", "Occasional (infrequent, low amount)"),
                        ],
                        db_index=True,
                        default="",
                        help_text="Empty when the member has no order in the analysis window.",
                        max_length=10,
                        verbose_name="value group",
                    ),
                ),
                (
                    "recency_score",
                    models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="R"),
                ),
                (
                    "frequency_score",
                    models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="F"),
                ),
                (
                    "monetary_score",
                    models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="M"),
                ),
                (
                    "last_order_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="last order"),
                ),
                (
                    "orders_in_window",
                    models.PositiveIntegerField(default=0, verbose_name="orders in the window"),
                ),
                (
                    "spend_in_window",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0"),
                        max_digits=14,
                        verbose_name="spend in the window",
                    ),
                ),
                (
                    "computed_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="computed"
                    ),
                ),
                (
                    "member",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="segment",
                        to="membership.member",
                        verbose_name="member",
                    ),
                ),
            ],
            options={
                "verbose_name": "member segment",
                "verbose_name_plural": "member segments",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("recency_score__isnull", True),
                            models.Q(("recency_score__gte", 1), ("recency_score__lte", 5)),
                            _connector="OR",
                        ),
                        name="membersegment_recency_1_to_5",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("frequency_score__isnull", True),
                            models.Q(("frequency_score__gte", 1), ("frequency_score__lte", 5)),
                            _connector="OR",
                        ),
                        name="membersegment_frequency_1_to_5",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("monetary_score__isnull", True),
                            models.Q(("monetary_score__gte", 1), ("monetary_score__lte", 5)),
                            _connector="OR",
                        ),
                        name="membersegment_monetary_1_to_5",
                    ),
                ],
            },
        ),
    ]
