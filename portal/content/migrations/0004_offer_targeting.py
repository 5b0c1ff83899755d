# Filled in by the change that adds this step's models.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0003_content_locales"),
        ("membership", "0016_order_points_payment"),
        ("loyalty", "0014_reward_rules"),
    ]

    operations = []
