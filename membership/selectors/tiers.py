from membership.models import Tier, TierBenefit


def tier_benefits(*, tier: Tier | None) -> list[TierBenefit]:
    if tier is None:
        return []
    return list(TierBenefit.objects.filter(tier=tier))
