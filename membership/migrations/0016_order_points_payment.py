# Filled in by the change that adds this step's models.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("membership", "0015_referrals")]

    operations = []
