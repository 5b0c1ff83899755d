from dataclasses import dataclass
from decimal import Decimal

from loyalty.conf import loyalty_settings
from loyalty.engine.ledger import BonusRuleView, choose_bonus_rule
from loyalty.models import Package, TopUpBonusRule


@dataclass(frozen=True)
class TopUpOffer:
    amount: Decimal
    bonus: Decimal
    package: Package | None


def top_up_offers() -> list[TopUpOffer]:
    """The owner's online top-up amounts, each with the bonus it would get (two queries)."""
    rules = list(TopUpBonusRule.objects.filter(is_active=True).select_related("package"))
    views = [BonusRuleView(r.id, r.min_amount, r.bonus_amount, r.package_id) for r in rules]
    by_id = {r.id: r for r in rules}
    offers = []
    for amount in loyalty_settings().amount_choices:
        chosen = choose_bonus_rule(amount=amount, rules=views)
        rule = by_id[chosen.id] if chosen else None
        offers.append(
            TopUpOffer(
                amount=amount,
                bonus=rule.bonus_amount if rule else Decimal("0"),
                package=rule.package if rule else None,
            )
        )
    return offers
