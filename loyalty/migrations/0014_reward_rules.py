# Filled in by the change that adds this step's models.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [('loyalty', '0013_member_segments')]

    operations = []
