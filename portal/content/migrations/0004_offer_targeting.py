# Offers targeted by tag and lifecycle stage, with a value; who saw and used each offer.
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import modelcluster.fields
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0003_content_locales"),
        ("membership", "0016_order_points_payment"),
        ("loyalty", "0014_reward_rules"),
    ]

    operations = [
        migrations.AddField(
            model_name="offerpage",
            name="lifecycle_stages",
            field=models.JSONField(blank=True, default=list, verbose_name="lifecycle stages"),
        ),
        migrations.AddField(
            model_name="offerpage",
            name="tags",
            field=modelcluster.fields.ParentalManyToManyField(
                blank=True, to="membership.tag", verbose_name="tags"
            ),
        ),
        migrations.AddField(
            model_name="offerpage",
            name="value",
            field=models.DecimalField(
                decimal_places=2,
                default=0,
                help_text=(
                    "About how much the offer saves a member, in the shop's currency. The "
                    "dashboard shows the most valuable offers first."
                ),
                max_digits=10,
                validators=[django.core.validators.MinValueValidator(0)],
                verbose_name="value to the member",
            ),
        ),
        migrations.CreateModel(
            name="OfferStat",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "first_viewed_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="first seen"
                    ),
                ),
                ("used_at", models.DateTimeField(blank=True, null=True, verbose_name="used")),
                (
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="offer_stats",
                        to="membership.member",
                        verbose_name="member",
                    ),
                ),
                (
                    "offer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="stats",
                        to="content.offerpage",
                        verbose_name="offer",
                    ),
                ),
            ],
            options={
                "verbose_name": "offer statistic",
                "verbose_name_plural": "offer statistics",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("offer", "member"), name="offer_stat_once_per_member"
                    )
                ],
            },
        ),
    ]
