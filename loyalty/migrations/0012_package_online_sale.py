# Filled in by the change that adds this step's models.
import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('loyalty', '0011_points_spending')]

    operations = [
        migrations.CreateModel(
            name='PackageSale',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reference', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('price', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='list price')),
                ('amount_paid', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='paid')),
                ('currency', models.CharField(max_length=3, verbose_name='currency')),
                ('paid_by', models.CharField(choices=[('cash', 'Cash'), ('card', 'Card'), ('stored_value', 'Stored value'), ('online', 'Online payment')], max_length=16, verbose_name='paid by')),
                ('status', models.CharField(choices=[('created', 'Created'), ('open', 'Waiting for payment'), ('paid', 'Paid'), ('expired', 'Expired'), ('refunded', 'Refunded')], default='created', max_length=10, verbose_name='status')),
                ('idempotency_key', models.CharField(blank=True, max_length=160, null=True, unique=True)),
                ('stripe_session_id', models.CharField(blank=True, max_length=255, null=True, unique=True)),
                ('stripe_payment_intent_id', models.CharField(blank=True, db_index=True, max_length=255)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                ('paid_at', models.DateTimeField(blank=True, null=True, verbose_name='paid')),
                ('acting_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='package_sales', to='membership.member')),
                ('member_package', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='sale', to='loyalty.memberpackage')),
                ('package', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sales', to='loyalty.package', verbose_name='package')),
                ('wallet_entry', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='package_sale', to='loyalty.walletentry')),
            ],
            options={
                'verbose_name': 'package sale',
                'verbose_name_plural': 'package sales',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['member', '-created_at'], name='package_sale_member')],
                'constraints': [models.CheckConstraint(condition=models.Q(('price__gte', 0), ('amount_paid__gte', 0)), name='package_sale_amounts_not_negative'), models.CheckConstraint(condition=models.Q(('amount_paid__lte', models.F('price'))), name='package_sale_paid_not_above_price'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'paid'), _negated=True), ('member_package__isnull', False), _connector='OR'), name='package_sale_paid_has_package')],
            },
        ),
    ]
