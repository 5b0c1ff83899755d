# Reward rules: trigger, conditions, effects, and the guards that give each reward once.
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import modelcluster.fields
from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('loyalty', '0013_member_segments'),
        ('membership', '0016_order_points_payment'),
    ]

    operations = [
        migrations.CreateModel(
            name='RuleEventReceipt',
            fields=[
                ('event', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='membership.memberevent')),
                ('processed_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.CreateModel(
            name='RewardRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name_zh', models.CharField(max_length=80, verbose_name='name (Chinese)')),
                ('name_en', models.CharField(blank=True, max_length=80, verbose_name='name (English)')),
                ('trigger', models.CharField(choices=[('order_completed', 'An order is completed'), ('first_order', "A member's first order is completed"), ('topped_up', 'Stored value is topped up'), ('tier_up', 'The member moves up a tier'), ('tier_down', 'The member moves down a tier'), ('referral_qualified', 'A friend the member referred completes a first order'), ('monthly_review', 'The monthly review (the 1st of each month)'), ('daily', 'Every day'), ('birthday', "The member's birthday")], max_length=24, verbose_name='when')),
                ('is_enabled', models.BooleanField(default=False, help_text='Try the rule with a dry run first: it shows who would get what today.', verbose_name='enabled')),
                ('enabled_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='enabled since')),
                ('lifecycle_stages', models.CharField(blank=True, help_text='Only members in one of these stages (none ticked: any stage).', max_length=80, verbose_name='lifecycle stages')),
                ('spend_window', models.CharField(blank=True, choices=[('', 'No spend or order condition'), ('this_month', 'This calendar month so far'), ('last_days', 'The last N days')], max_length=12, verbose_name='spend or orders counted over')),
                ('window_days', models.PositiveSmallIntegerField(blank=True, help_text='For “the last N days”.', null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(730)], verbose_name='N days')),
                ('min_spend', models.DecimalField(blank=True, decimal_places=2, max_digits=10, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0.01'))], verbose_name='spent at least')),
                ('min_orders', models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1)], verbose_name='orders at least')),
                ('streak_months', models.PositiveSmallIntegerField(blank=True, help_text='Spent more than the amount below in each of the last N calendar months.', null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(24)], verbose_name='consecutive months')),
                ('streak_min_spend', models.DecimalField(blank=True, decimal_places=2, max_digits=10, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0.01'))], verbose_name='spent more than, each month')),
                ('min_days_since_visit', models.PositiveSmallIntegerField(blank=True, help_text='Members whose last completed order is at least this many days old.', null=True, validators=[django.core.validators.MinValueValidator(1)], verbose_name='no visit for at least (days)')),
                ('period', models.CharField(choices=[('each', 'Every time it is triggered (each order, top-up…)'), ('day', 'Once a day'), ('month', 'Once a calendar month'), ('year', 'Once a calendar year'), ('absence', "Once per absence (again only after the member's next visit)"), ('ever', 'Once ever')], default='each', help_text='How often one member can get this reward.', max_length=8, verbose_name='at most')),
                ('max_per_member', models.PositiveSmallIntegerField(blank=True, help_text='The most times one member can ever get it (empty: no limit).', null=True, validators=[django.core.validators.MinValueValidator(1)], verbose_name='limit per member')),
                ('monthly_budget_count', models.PositiveIntegerField(blank=True, help_text='The rule stops for the month when this many rewards went out.', null=True, validators=[django.core.validators.MinValueValidator(1)], verbose_name='rewards per month')),
                ('monthly_budget_amount', models.DecimalField(blank=True, decimal_places=2, help_text="The rule stops for the month when the rewards' value (coupons at face value, packages at their price) reaches this.", max_digits=10, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0.01'))], verbose_name='value per month')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                ('tags', models.ManyToManyField(blank=True, help_text='Only members with at least one of these tags (none: any).', related_name='+', to='membership.tag', verbose_name='tags')),
                ('tiers', models.ManyToManyField(blank=True, help_text='Only members in one of these tiers (none ticked: any tier).', related_name='+', to='membership.tier', verbose_name='tiers')),
            ],
            options={
                'verbose_name': 'reward rule',
                'verbose_name_plural': 'reward rules',
                'ordering': ['name_zh', 'id'],
            },
        ),
        migrations.CreateModel(
            name='RuleBudget',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.CharField(max_length=7)),
                ('count', models.PositiveIntegerField(default=0)),
                ('amount', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=14)),
                ('rule', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='budgets', to='loyalty.rewardrule')),
            ],
        ),
        migrations.CreateModel(
            name='RuleEffect',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('coupon', 'Give a coupon'), ('points', 'Give points'), ('package', 'Give a prepaid package'), ('follow_up', 'Open a staff follow-up task'), ('message', 'Send a message')], max_length=10, verbose_name='effect')),
                ('points', models.PositiveIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1)], verbose_name='points')),
                ('text_zh', models.CharField(blank=True, help_text='The message, or what staff must do for a follow-up task.', max_length=255, verbose_name='text (Chinese)')),
                ('text_en', models.CharField(blank=True, max_length=255, verbose_name='text (English)')),
                ('due_days', models.PositiveSmallIntegerField(default=1, validators=[django.core.validators.MaxValueValidator(60)], verbose_name='follow-up due in (days)')),
                ('sort_order', models.PositiveSmallIntegerField(default=0, editable=False)),
                ('coupon_template', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='loyalty.coupontemplate', verbose_name='coupon')),
                ('package', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='loyalty.package', verbose_name='package')),
                ('rule', modelcluster.fields.ParentalKey(on_delete=django.db.models.deletion.CASCADE, related_name='effects', to='loyalty.rewardrule')),
            ],
            options={
                'verbose_name': 'effect',
                'verbose_name_plural': 'effects',
                'ordering': ['sort_order', 'id'],
            },
        ),
        migrations.CreateModel(
            name='RuleFiring',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('period_key', models.CharField(max_length=40)),
                ('value', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=12)),
                ('effects', models.JSONField(blank=True, default=dict)),
                ('fired_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('event', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='membership.memberevent')),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rule_firings', to='membership.member')),
                ('rule', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='firings', to='loyalty.rewardrule')),
            ],
            options={
                'verbose_name': 'reward given',
                'verbose_name_plural': 'rewards given',
                'ordering': ['-fired_at', '-id'],
            },
        ),
        migrations.AddConstraint(
            model_name='rewardrule',
            constraint=models.CheckConstraint(condition=models.Q(('min_spend__isnull', True), ('min_spend__gt', 0), _connector='OR'), name='reward_rule_min_spend_positive'),
        ),
        migrations.AddConstraint(
            model_name='rewardrule',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('streak_min_spend__isnull', True), ('streak_months__isnull', True)), models.Q(('streak_min_spend__gt', 0), ('streak_months__gte', 1)), _connector='OR'), name='reward_rule_streak_complete'),
        ),
        migrations.AddConstraint(
            model_name='rewardrule',
            constraint=models.CheckConstraint(condition=models.Q(('monthly_budget_amount__isnull', True), ('monthly_budget_amount__gt', 0), _connector='OR'), name='reward_rule_budget_positive'),
        ),
        migrations.AddConstraint(
            model_name='rulebudget',
            constraint=models.UniqueConstraint(fields=('rule', 'month'), name='rule_budget_one_per_month'),
        ),
        migrations.AddConstraint(
            model_name='rulebudget',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gte', 0)), name='rule_budget_not_negative'),
        ),
        migrations.AddIndex(
            model_name='rulefiring',
            index=models.Index(fields=['rule', '-fired_at'], name='rule_firing_recent'),
        ),
        migrations.AddConstraint(
            model_name='rulefiring',
            constraint=models.UniqueConstraint(fields=('rule', 'member', 'period_key'), name='rule_firing_once_per_period'),
        ),
    ]
