"""A demo member for each playbook rule, each with a reason to be rewarded today, and the
rules run over them as the scheduler and the task worker would. Every member can log in."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from loyalty.engine.rules import previous_months
from loyalty.flows.reward_rules import rules_process_events, rules_run_scheduled
from loyalty.models import RuleTrigger, TierChange
from loyalty.services.checkout import PaymentSplit, checkout_order
from loyalty.services.tier_floor import tier_floor_set
from membership.models import Member, Referral, ServiceCategory, Store, Tier, User
from membership.services.members import member_create
from membership.services.orders import OrderLineInput
from membership.services.referrals import referral_record

from .playbook import playbook_install


@dataclass(frozen=True)
class PlaybookLogin:
    rule: str
    phone: str
    name: str


class _Scenes:
    def __init__(self, *, now: datetime, password: str, store: Store, clerk: User):
        self.now, self.password, self.store, self.clerk = now, password, store, clerk
        self.shirt = ServiceCategory.objects.get(code="shirt")
        self.logins: list[PlaybookLogin] = []

    def member(self, n: int, rule: str, name: str, *, birthday: date | None = None) -> Member:
        phone = f"+86138000001{n:02d}"
        user = User.objects.filter(phone=phone).first()
        if user is None:
            user = User.objects.create(username=f"playbook-{n}", phone=phone, phone_verified=True)
            user.set_password(self.password)
            user.save(update_fields=["password"])
            member_create(user=user, name=name)
        member = user.member
        if birthday and member.birthday != birthday:
            Member.objects.filter(pk=member.pk).update(birthday=birthday)
        self.logins.append(PlaybookLogin(rule=rule, phone=phone, name=name))
        return member

    def order(self, member: Member, key: str, amount: str, *, days_ago: int = 0, on=None):
        when = self.now - timedelta(days=days_ago) if on is None else on
        amount = Decimal(amount)
        checkout_order(
            member=member,
            store=self.store,
            lines=[OrderLineInput(category=self.shirt, quantity=1, amount=amount)],
            payments=PaymentSplit(cash=amount),
            acting_user=self.clerk,
            idempotency_key=f"demo-playbook:{key}",
            now=when,
        )


def playbook_demo(
    *, now: datetime, last_review: datetime | None, password: str, store: Store, clerk: User
) -> tuple[dict, list[PlaybookLogin]]:
    """Install the playbook and give each rule its member. Rules are on since the last
    monthly review, so that review's moves up and down are rewarded as they were then."""
    since = last_review or now
    rules = playbook_install(enabled_at=since)
    if last_review is not None:
        rules_process_events(now=last_review + timedelta(minutes=1))
    s = _Scenes(now=now, password=password, store=store, clerk=clerk)
    today = timezone.localdate(now)

    step = s.member(1, "step", "演示·阶梯券")
    s.order(step, "step-0", "80", days_ago=45)
    s.order(step, "step-1", "180")
    s.order(step, "step-2", "130")  # 310 this month: the step coupon

    away = s.member(2, "win-back", "演示·唤醒")
    s.order(away, "away-0", "120", days_ago=100)

    steady = s.member(3, "streak", "演示·连续消费")
    for year, month in previous_months(today, 6):
        day = timezone.make_aware(datetime(year, month, 10, 15))
        s.order(steady, f"steady-{year}-{month}", "520", on=day)

    born = date(1992, 2, 29) if (today.month, today.day) == (2, 29) else today.replace(year=1990)
    s.member(4, "birthday", "演示·生日", birthday=born)

    promoted = s.member(5, "tier-up", "演示·升级")
    core = Tier.objects.filter(code="core").first()
    if core is not None and promoted.tier_id != core.pk:
        tier_floor_set(
            member=promoted,
            tier=core,
            until=today + timedelta(days=90),
            reason="演示：新开业贵宾",
            acting_user=clerk,
        )

    regular = s.member(7, "basic-visit", "演示·普通会员")
    s.order(regular, "regular-0", "60", days_ago=50)
    s.order(regular, "regular-1", "45")

    # The newcomer signed up with the referrer's code: their first order is the referrer's
    # reward, and their own first-visit offer.
    referrer = s.member(9, "referral", "演示·推荐人")
    newcomer = s.member(8, "first-visit", "演示·首次到店")
    if not Referral.objects.filter(referred=newcomer).exists():
        referral_record(referrer=referrer, referred=newcomer, phone=newcomer.user.phone)
    s.order(newcomer, "newcomer-1", "80")

    demoted = _demoted_at(last_review)
    if demoted is not None:
        user = demoted.user
        if not user.has_usable_password():
            user.set_password(password)
            user.save(update_fields=["password"])
        s.logins.append(PlaybookLogin("tier-down", user.phone, demoted.name or demoted.number))

    rules_process_events(now=now)
    rules_run_scheduled(trigger=RuleTrigger.DAILY, now=now)
    rules_run_scheduled(trigger=RuleTrigger.BIRTHDAY, now=now)
    rules_run_scheduled(trigger=RuleTrigger.MONTHLY_REVIEW, now=now)
    return rules, s.logins


def _demoted_at(review: datetime | None) -> Member | None:
    if review is None:
        return None
    change = (
        TierChange.objects.filter(occurred_at=review, to_tier__rank__lt=F("from_tier__rank"))
        .select_related("member__user")
        .order_by("member__number")
        .first()
    )
    return change.member if change else None
