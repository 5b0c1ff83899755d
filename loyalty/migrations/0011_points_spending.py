# Filled in by the change that adds this step's models.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [('loyalty', '0010_tier_change_labels'), ('membership', '0016_order_points_payment')]

    operations = []
