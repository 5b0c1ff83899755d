"""Running the owner's reward rules: on member events (orders, top-ups, tier changes,
referrals) and on a schedule (daily, birthdays, the monthly review), and the dry run.

A reward is applied in one transaction with its guard row (`RuleFiring`, unique per rule,
member and period): a worker that dies half-way rolls everything back, and the run that
follows gives the reward exactly once. Events are read once each (`RuleEventReceipt`,
written in the same transaction as the rewards they lead to).
"""

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Min, OuterRef, Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loyalty.engine import rules as engine
from loyalty.lock_objects import lock_member, lock_rule_budget
from loyalty.models import (
    EffectKind,
    RewardRule,
    RuleBudget,
    RuleEffect,
    RuleEventReceipt,
    RuleFiring,
    RuleTrigger,
)
from loyalty.selectors.rule_facts import conditions_of, member_facts, scheduled_candidates
from loyalty.services.coupons import coupon_issue
from loyalty.services.packages import package_grant
from loyalty.services.points import points_grant
from loyalty.services.segments import segments_refresh_member
from membership.models import FollowUpTask, Member, MemberEvent, Order, Tier
from membership.services.followups import followup_create
from membership.services.messages import member_message_post

logger = logging.getLogger(__name__)

# Event rules look this far back, so switching rules on never rewards old history.
EVENT_HORIZON = timedelta(days=7)

TRIGGERS_OF_EVENT = {
    MemberEvent.Kind.ORDER_COMPLETED: (RuleTrigger.ORDER_COMPLETED, RuleTrigger.FIRST_ORDER),
    MemberEvent.Kind.TOPPED_UP: (RuleTrigger.TOPPED_UP,),
    MemberEvent.Kind.TIER_CHANGED: (RuleTrigger.TIER_UP, RuleTrigger.TIER_DOWN),
    MemberEvent.Kind.REFERRAL_QUALIFIED: (RuleTrigger.REFERRAL_QUALIFIED,),
}


def _rules(triggers, *, enabled_only: bool = True) -> list[RewardRule]:
    rules = RewardRule.objects.filter(trigger__in=triggers).prefetch_related(
        "tiers",
        "tags",
        Prefetch(
            "effects",
            queryset=RuleEffect.objects.select_related("coupon_template__free_category", "package"),
        ),
    )
    if enabled_only:
        rules = rules.filter(is_enabled=True)
    return list(rules.order_by("pk"))


def effect_value(effect: RuleEffect) -> Decimal:
    """What an effect is worth against a money budget: a coupon at its face value, a package
    at its price; points, tasks and messages count as rewards but not as money."""
    if effect.kind == EffectKind.COUPON and effect.coupon_template is not None:
        t = effect.coupon_template
        if t.value_type == "fixed":
            return t.amount_off
        if t.value_type == "percent":
            return t.max_discount
        return t.free_category.default_price if t.free_category else Decimal("0")
    if effect.kind == EffectKind.PACKAGE and effect.package is not None:
        return effect.package.price
    return Decimal("0")


def rule_value(rule: RewardRule) -> Decimal:
    return sum((effect_value(e) for e in rule.effects.all()), Decimal("0"))


# --- deciding -------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    member_id: int
    period_key: str
    event_id: int | None = None


def _tier_ranks() -> dict[str, int]:
    return dict(Tier.objects.values_list("code", "rank"))


def _event_matches(rule: RewardRule, event: MemberEvent, *, ranks, first_visits) -> bool:
    if rule.trigger == RuleTrigger.FIRST_ORDER:
        return first_visits.get(event.member_id) == event.occurred_at
    if rule.trigger in (RuleTrigger.TIER_UP, RuleTrigger.TIER_DOWN):
        data = event.data or {}
        direction = engine.tier_direction(ranks.get(data.get("from")), ranks.get(data.get("to")))
        return direction == ("up" if rule.trigger == RuleTrigger.TIER_UP else "down")
    return True


def _decide(rule, conditions, facts, *, today, event_id) -> str | None:
    if facts is None or engine.failed_condition(conditions, facts, today=today):
        return None
    return engine.period_key(
        rule.period, today=today, event_id=event_id, last_visit=facts.last_visit
    )


def _event_candidates(rule: RewardRule, events: list[MemberEvent]) -> list[Candidate]:
    """Which of these events the rule rewards (before limits and budget), in event order."""
    if not events:
        return []
    conditions = conditions_of(rule)
    ranks = _tier_ranks()
    member_ids = {e.member_id for e in events}
    # A first order: no earlier paid order that was not voided (imports and the demo's
    # history do not always set the member's first visit). Clothes taken in unpaid count
    # when they are paid (their ORDER_COMPLETED is dated then).
    first_visits = dict(
        Order.objects.filter(member_id__in=member_ids)
        .filter(status__in=[Order.Status.COMPLETED, Order.Status.REFUNDED])
        .values("member_id")
        .annotate(first=Min("created_at"))
        .values_list("member_id", "first")
    )
    out = []
    by_day = defaultdict(list)
    for event in events:
        if _event_matches(rule, event, ranks=ranks, first_visits=first_visits):
            by_day[timezone.localdate(event.occurred_at)].append(event)
    for day, day_events in sorted(by_day.items()):
        facts = member_facts({e.member_id for e in day_events}, conditions=conditions, today=day)
        for event in day_events:
            key = _decide(
                rule, conditions, facts.get(event.member_id), today=day, event_id=event.pk
            )
            if key is not None:
                out.append(Candidate(event.member_id, key, event.pk))
    return out


def _scheduled_candidates(rule: RewardRule, today: date):
    conditions = conditions_of(rule)
    for batch in scheduled_candidates(rule, today=today):
        facts = member_facts(batch, conditions=conditions, today=today)
        for member_id in batch:
            key = _decide(rule, conditions, facts.get(member_id), today=today, event_id=None)
            if key is not None:
                yield Candidate(member_id, key)


# --- applying -------------------------------------------------------------------------


def _text(effect: RuleEffect, language: str) -> str:
    if language.startswith("zh"):
        return effect.text_zh or effect.text_en
    return effect.text_en or effect.text_zh


def _apply_effect(effect: RuleEffect, *, rule, member, key: str, now: datetime) -> dict:
    source = {"source_type": "reward_rule", "source_id": str(rule.pk)}
    if effect.kind == EffectKind.COUPON:
        coupon = coupon_issue(
            member=member, template=effect.coupon_template, idempotency_key=key, now=now, **source
        )
        return {"coupon": coupon.pk}
    if effect.kind == EffectKind.POINTS:
        with translation.override(settings.LANGUAGE_CODE):
            reason = _("Reward: %(rule)s") % {"rule": rule.display_name}
        entry = points_grant(
            member=member,
            points=effect.points,
            idempotency_key=key,
            reason=reason,
            now=now,
            **source,
        )
        member_message_post(
            member_id=member.pk,
            kind="points_granted",
            data={"points": effect.points, "rule_zh": rule.name_zh, "rule_en": rule.name_en},
            idempotency_key=f"{key}:message",
        )
        return {"points_entry": entry.pk}
    if effect.kind == EffectKind.PACKAGE:
        package = package_grant(
            member=member, package=effect.package, idempotency_key=key, now=now, **source
        )
        return {"package": package.pk}
    if effect.kind == EffectKind.FOLLOW_UP:
        task = followup_create(
            member=member,
            reason=_text(effect, settings.LANGUAGE_CODE),
            details=rule.display_name,
            source=FollowUpTask.Source.RULE,
            due_at=now + timedelta(days=effect.due_days),
        )
        return {"follow_up": task.pk}
    message = member_message_post(
        member_id=member.pk,
        kind="custom",
        data={
            "subject_zh": rule.name_zh,
            "subject_en": rule.name_en or rule.name_zh,
            "body_zh": effect.text_zh or effect.text_en,
            "body_en": effect.text_en or effect.text_zh,
        },
        idempotency_key=key,
    )
    return {"message": message.pk}


@transaction.atomic
def rule_apply(*, rule: RewardRule, candidate: Candidate, now: datetime) -> RuleFiring | None:
    """Reward one member under one rule for one period, at most once; None when the period's
    reward was already given, the member's limit or the rule's budget is reached."""
    member_id = candidate.member_id
    lock_member(member_id)
    firings = RuleFiring.objects.filter(rule=rule, member_id=member_id)
    if firings.filter(period_key=candidate.period_key).exists():
        return None
    if rule.max_per_member is not None and firings.count() >= rule.max_per_member:
        return None
    value = rule_value(rule)
    if rule.monthly_budget_count is not None or rule.monthly_budget_amount is not None:
        budget = lock_rule_budget(member_id, rule.pk, f"{timezone.localdate(now):%Y-%m}")
        allowed = engine.budget_allows(
            engine.Budget(
                count_limit=rule.monthly_budget_count,
                amount_limit=rule.monthly_budget_amount,
                count_used=budget.count,
                amount_used=budget.amount,
            ),
            value,
        )
        if not allowed:
            return None
        budget.count += 1
        budget.amount += value
        budget.save(update_fields=["count", "amount"])
    member = Member.objects.select_related("tier").get(pk=member_id)
    base_key = f"rule:{rule.pk}:{member_id}:{candidate.period_key}"
    effects = {}
    for effect in rule.effects.all():
        effects[str(effect.pk)] = _apply_effect(
            effect, rule=rule, member=member, key=f"{base_key}:{effect.pk}", now=now
        )
    return RuleFiring.objects.create(
        rule=rule,
        member_id=member_id,
        period_key=candidate.period_key,
        event_id=candidate.event_id,
        value=value,
        effects=effects,
        fired_at=now,
    )


def _apply_safely(rule, candidate, now) -> RuleFiring | None:
    """One reward in a savepoint: a rule the owner misconfigured (an ended coupon, an empty
    package) skips that reward and is logged; the others still go out."""
    try:
        with transaction.atomic():
            return rule_apply(rule=rule, candidate=candidate, now=now)
    except ValidationError as error:
        logger.warning("Reward rule %s skipped member %s: %s", rule.pk, candidate.member_id, error)
        return None


# --- entry points -----------------------------------------------------------------------


def _pending_events(now: datetime, limit: int) -> list[MemberEvent]:
    return list(
        MemberEvent.objects.filter(
            kind__in=list(TRIGGERS_OF_EVENT), occurred_at__gte=now - EVENT_HORIZON
        )
        .exclude(Exists(RuleEventReceipt.objects.filter(event_id=OuterRef("pk"))))
        .order_by("pk")[:limit]
    )


def rules_process_events(*, now: datetime | None = None, limit: int = 2000) -> int:
    """Read the member events no rule has read yet; returns how many rewards went out."""
    now = now or timezone.now()
    rules = _rules([t for ts in TRIGGERS_OF_EVENT.values() for t in ts])
    fired = 0
    for event in _pending_events(now, limit):
        fired += _process_event(event, rules, now)
    return fired


@transaction.atomic
def _process_event(event: MemberEvent, rules: list[RewardRule], now: datetime) -> int:
    lock_member(event.member_id)
    try:
        with transaction.atomic():
            RuleEventReceipt.objects.create(event_id=event.pk, processed_at=now)
    except IntegrityError:
        return 0  # another worker read it first
    if event.kind == MemberEvent.Kind.ORDER_COMPLETED:
        segments_refresh_member(member_id=event.member_id, now=now)
    fired = 0
    for rule in rules:
        if rule.trigger not in TRIGGERS_OF_EVENT[event.kind]:
            continue
        if rule.enabled_at is None or event.occurred_at < rule.enabled_at:
            continue
        for candidate in _event_candidates(rule, [event]):
            fired += _apply_safely(rule, candidate, now) is not None
    return fired


def rules_run_scheduled(*, trigger: str, now: datetime | None = None) -> int:
    """Run the enabled rules of a scheduled trigger for today; a second run gives nothing."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    fired = 0
    for rule in _rules([trigger]):
        for candidate in list(_scheduled_candidates(rule, today)):
            fired += _apply_safely(rule, candidate, now) is not None
    return fired


# --- the dry run ------------------------------------------------------------------------


@dataclass
class DryRun:
    rule: RewardRule
    today: date
    rewards: list[Candidate] = field(default_factory=list)
    value_each: Decimal = Decimal("0")
    already_given: int = 0
    over_member_limit: int = 0
    over_budget: int = 0

    @property
    def total_value(self) -> Decimal:
        return self.value_each * len(self.rewards)


def _today_events(rule: RewardRule, today: date) -> list[MemberEvent]:
    kinds = [k for k, triggers in TRIGGERS_OF_EVENT.items() if rule.trigger in triggers]
    start = timezone.make_aware(datetime.combine(today, datetime.min.time()))
    return list(MemberEvent.objects.filter(kind__in=kinds, occurred_at__gte=start).order_by("pk"))


def rule_dry_run(*, rule: RewardRule, now: datetime | None = None) -> DryRun:
    """Who the rule would reward today and with what, without writing anything. Scheduled
    rules: as today's run would. Event rules: for today's events. Limits and the month's
    budget are counted as the real run counts them, in the same order."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if rule.trigger in RuleTrigger.scheduled():
        candidates = list(_scheduled_candidates(rule, today))
    else:
        candidates = _event_candidates(rule, _today_events(rule, today))
    result = DryRun(rule=rule, today=today, value_each=rule_value(rule))
    member_ids = {c.member_id for c in candidates}
    given = set(
        RuleFiring.objects.filter(rule=rule, member_id__in=member_ids).values_list(
            "member_id", "period_key"
        )
    )
    counts = Counter(
        dict(
            RuleFiring.objects.filter(rule=rule, member_id__in=member_ids)
            .values("member_id")
            .annotate(n=Count("pk"))
            .values_list("member_id", "n")
        )
    )
    budget = RuleBudget.objects.filter(rule=rule, month=f"{today:%Y-%m}").first()
    used_count = budget.count if budget else 0
    used_amount = budget.amount if budget else Decimal("0")
    for c in candidates:
        if (c.member_id, c.period_key) in given:
            result.already_given += 1
            continue
        if rule.max_per_member is not None and counts[c.member_id] >= rule.max_per_member:
            result.over_member_limit += 1
            continue
        has_budget = rule.monthly_budget_count is not None or rule.monthly_budget_amount is not None
        if has_budget and not engine.budget_allows(
            engine.Budget(
                rule.monthly_budget_count,
                rule.monthly_budget_amount,
                used_count,
                used_amount,
            ),
            result.value_each,
        ):
            result.over_budget += 1
            continue
        used_count += 1
        used_amount += result.value_each
        given.add((c.member_id, c.period_key))
        counts[c.member_id] += 1
        result.rewards.append(c)
    return result


__all__ = [
    "DryRun",
    "effect_value",
    "rule_apply",
    "rule_dry_run",
    "rule_value",
    "rules_process_events",
    "rules_run_scheduled",
]
