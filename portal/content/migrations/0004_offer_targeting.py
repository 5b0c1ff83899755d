# Filled in by the change that adds this step's models.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0003_content_locales"),
        ("membership", "0016_referrals"),
        ("loyalty", "0013_reward_rules"),
    ]

    operations = []
