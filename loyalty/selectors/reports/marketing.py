"""Coupons by month and what each reward rule did, for the owner's marketing reports.

Each is a fixed number of queries whatever the number of members or coupons, every count
and sum grouped in the database. Coupons are given to members, who belong to the business:
issued and expired coupons belong to no store. With a store chosen, only uses (and their
discount) are that store's, through the order the coupon was used on.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.utils import timezone

from loyalty.models import CouponEvent, MemberCoupon, RewardRule, RuleFiring
from membership.models import Order

from .month_sums import cents_sum, from_cents, month_of, shop_bounds, shop_months, truncated_month

ZERO = Decimal("0.00")
ORDER_SOURCE = "order"
RULE_SOURCE = "reward_rule"


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` as a percentage with one decimal (None when ``whole`` is 0)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"))


@dataclass
class CouponMonth:
    month: date
    issued: int = 0
    issued_used: int = 0  # of the coupons issued this month, used at least once since
    uses: int = 0  # uses this month, not given back by a refund
    discount: Decimal = ZERO  # what those uses took off
    spend: Decimal = ZERO  # the totals of the orders they were used on
    expired: int = 0  # coupons whose last day fell this month with uses left

    @property
    def redemption_percent(self) -> Decimal | None:
        return percent(self.issued_used, self.issued)


def _kept_uses(store_id: int | None):
    """Coupon uses not given back (their order was not refunded or voided)."""
    given_back = CouponEvent.objects.filter(reverses=OuterRef("pk"))
    uses = CouponEvent.objects.filter(kind=CouponEvent.Kind.REDEEM).filter(~Exists(given_back))
    if store_id is not None:
        numbers = Order.objects.filter(store_id=store_id).values("number")
        uses = uses.filter(source_type=ORDER_SOURCE, source_id__in=numbers)
    return uses


def coupons_by_month(*, scope, now: datetime | None = None) -> list[CouponMonth]:
    """One row per month of the scope, oldest first. Three queries."""
    now = now or timezone.now()
    start, end, store_id = *shop_bounds(scope), scope.store_id
    rows = {month: CouponMonth(month=month) for month in shop_months(scope)}
    issued = (
        MemberCoupon.objects.filter(issued_at__gte=start, issued_at__lt=end)
        .annotate(month=truncated_month("issued_at"))
        .values_list("month")
        .annotate(n=Count("pk"), used=Count("pk", filter=Q(uses_left__lt=F("uses_total"))))
        .order_by()
    )
    for moment, n, used in issued:
        row = rows[month_of(moment)]
        row.issued, row.issued_used = n, used
    uses = (
        _kept_uses(store_id)
        .filter(created_at__gte=start, created_at__lt=end)
        .annotate(month=truncated_month("created_at"))
        .values_list("month")
        .annotate(n=Count("pk"), discount=cents_sum("discount"), spend=cents_sum("order_total"))
        .order_by()
    )
    for moment, n, discount, spend in uses:
        row = rows[month_of(moment)]
        row.uses, row.discount, row.spend = n, from_cents(discount), from_cents(spend)
    # valid_until is the midnight after the last day: a microsecond earlier is the last day.
    last_moment = ExpressionWrapper(
        F("valid_until") - timedelta(microseconds=1), output_field=DateTimeField()
    )
    expired = (
        MemberCoupon.objects.filter(
            uses_left__gt=0,
            valid_until__gt=start,
            valid_until__lte=min(end, now),
        )
        .annotate(last=last_moment)
        .annotate(month=truncated_month("last"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for moment, n in expired:
        rows[month_of(moment)].expired = n
    return list(rows.values())


@dataclass
class RuleEffect:
    rule: RewardRule
    rewards: int = 0  # times the rule rewarded a member in the months
    value: Decimal = ZERO  # coupons at face value, packages at their price
    coupons_issued: int = 0
    coupons_used: int = 0  # of those coupons, used at least once (not given back)
    coupon_spend: Decimal = ZERO  # the totals of the orders they were used on
    coupon_discount: Decimal = ZERO

    @property
    def redemption_percent(self) -> Decimal | None:
        return percent(self.coupons_used, self.coupons_issued)


def _rule_id(source_id: str) -> int | None:
    return int(source_id) if source_id.isdigit() else None


def rule_effects(*, scope) -> list[RuleEffect]:
    """Every reward rule with what it gave in ``months`` and how its coupons were used (as
    the rule's results page counts them). Four queries, whatever the number of rules'
    rewards: rules, rewards per rule, coupons per rule, their uses per rule."""
    start, end, store_id = *shop_bounds(scope), scope.store_id
    rows = {rule.pk: RuleEffect(rule=rule) for rule in RewardRule.objects.order_by("name_zh")}
    in_months = {"fired_at__gte": start, "fired_at__lt": end}
    for rule_id, n, value in (
        RuleFiring.objects.filter(**in_months)
        .values_list("rule_id")
        .annotate(n=Count("pk"), value=cents_sum("value"))
        .order_by()
    ):
        row = rows[rule_id]
        row.rewards, row.value = n, from_cents(value)
    coupons = MemberCoupon.objects.filter(
        source_type=RULE_SOURCE, issued_at__gte=start, issued_at__lt=end
    )
    for source_id, n in coupons.values_list("source_id").annotate(n=Count("pk")).order_by():
        if (row := rows.get(_rule_id(source_id))) is not None:
            row.coupons_issued = n
    uses = (
        _kept_uses(store_id)
        .filter(
            coupon__source_type=RULE_SOURCE,
            coupon__issued_at__gte=start,
            coupon__issued_at__lt=end,
        )
        .values_list("coupon__source_id")
        .annotate(
            used=Count("coupon", distinct=True),
            spend=cents_sum("order_total"),
            discount=cents_sum("discount"),
        )
        .order_by()
    )
    for source_id, used, spend, discount in uses:
        if (row := rows.get(_rule_id(source_id))) is not None:
            row.coupons_used = used
            row.coupon_spend, row.coupon_discount = from_cents(spend), from_cents(discount)
    return list(rows.values())
