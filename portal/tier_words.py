"""'Why am I in this tier', in the reader's language, from the member's tier outlook.

Every sentence is read off `loyalty.engine.tier_outlook`, whose decision is the review's
own: the words say what the next review will do and what would change it, never a guess.
Used by the member's dashboard and tier page and by the counter's member panel.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel.dates import format_skeleton
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loyalty.engine.tier_review import Progress
from loyalty.selectors.tier_outlook import MemberTierOutlook
from portal.templatetags.money import babel_locale, money


@dataclass(frozen=True)
class Bar:
    """One criterion as a progress bar: a label and how full it is."""

    label: str
    percent: int
    met: bool


@dataclass(frozen=True)
class TierExplanation:
    headline: str  # one line: the dashboard's lead and the counter panel's summary
    status: str | None  # a hold or a staff floor that keeps the tier
    kept: str | None  # the member already meets what keeps the tier at the review
    keep: tuple[Bar, ...]
    reach: tuple[Bar, ...]
    moving_down: bool  # the next review moves the member down unless they act


def _day(moment: date | datetime) -> str:
    """ "March 31" / "3月31日" (CLDR through Babel, as money is formatted)."""
    if isinstance(moment, datetime):
        moment = timezone.localdate(moment)
    return format_skeleton("MMMMd", moment, locale=babel_locale())


def _until(moment: datetime) -> str:
    """A floor or hold ends at midnight: the last day it covers is the day before."""
    return _day(timezone.localdate(moment) - timedelta(days=1))


def _need(progress: Progress) -> str:
    """What is missing on one criterion, as a phrase ("spend ¥420 more")."""
    missing = progress.missing
    if progress.kind in ("spend", "spend_each_month"):
        amount = money(missing)
        if progress.kind == "spend":
            return _("spend %(amount)s more") % {"amount": amount}
        return _("spend %(amount)s more this month") % {"amount": amount}
    if progress.kind == "orders_each_month":
        return ngettext(
            "%(count)d more order this month",
            "%(count)d more orders this month",
            missing,
        ) % {"count": missing}
    return ngettext("%(count)d more order", "%(count)d more orders", missing) % {"count": missing}


def _needs(missing: tuple[Progress, ...]) -> str:
    phrases = [_need(p) for p in missing]
    text = _(" and ").join(phrases) if len(phrases) <= 2 else _(", ").join(phrases)
    return text[:1].upper() + text[1:]


def _bar(progress: Progress) -> Bar:
    have = progress.have if progress.this_month is None else progress.this_month
    if progress.kind == "spend":
        label = ngettext(
            "Spend in the last %(months)d month: %(have)s of %(needed)s",
            "Spend in the last %(months)d months: %(have)s of %(needed)s",
            progress.months,
        ) % {"months": progress.months, "have": money(have), "needed": money(progress.needed)}
    elif progress.kind == "orders":
        label = ngettext(
            "Orders in the last %(months)d month: %(have)d of %(needed)d",
            "Orders in the last %(months)d months: %(have)d of %(needed)d",
            progress.months,
        ) % {"months": progress.months, "have": have, "needed": progress.needed}
    elif progress.kind == "orders_each_month":
        label = _(
            "Orders this month: %(have)d of %(needed)d (each of %(months)d months in a row)"
        ) % {"have": have, "needed": progress.needed, "months": progress.months}
    elif progress.kind == "spend_each_month":
        label = _(
            "Spend this month: %(have)s of %(needed)s (each of %(months)d months in a row)"
        ) % {"have": money(have), "needed": money(progress.needed), "months": progress.months}
    else:  # visits: the frequency-drop rule
        label = ngettext(
            "Orders in the last %(months)d month: %(have)d, at least %(needed)d keep your visits up",
            "Orders in the last %(months)d months: %(have)d, at least %(needed)d keep your visits up",
            progress.months,
        ) % {"months": progress.months, "have": have, "needed": progress.needed}
    return Bar(label=label, percent=progress.percent, met=progress.met)


def _keep_words(view: MemberTierOutlook, deadline: str, review_day: str) -> str:
    """The tier will be lost (or only kept by grace) at the review unless the member acts."""
    outlook = view.outlook
    values = {
        "needs": _needs(outlook.keep_missing) if outlook.keep_missing else "",
        "date": deadline,
        "tier": view.tier.display_name,
        "lower": view.review_tier.display_name if view.review_tier else "",
        "review": review_day,
    }
    can_keep = bool(outlook.keep_missing) and outlook.keep_reachable
    if outlook.grace:
        if can_keep:
            return (
                _(
                    "%(needs)s by %(date)s to keep %(tier)s. "
                    "If not, you keep it one more month as a last chance."
                )
                % values
            )
        return (
            _(
                "You no longer meet what %(tier)s takes: you keep it one more month as a last chance."
            )
            % values
        )
    if can_keep:
        return (
            _(
                "%(needs)s by %(date)s to keep %(tier)s. If not, you move to %(lower)s on %(review)s."
            )
            % values
        )
    return (
        _("You no longer meet what %(tier)s takes: you move to %(lower)s on %(review)s.") % values
    )


def tier_explanation(view: MemberTierOutlook) -> TierExplanation:
    outlook = view.outlook
    tier = view.tier.display_name if view.tier else ""
    deadline = _day(view.deadline)
    review_day = _day(outlook.review_at)
    status = None
    if outlook.floored:
        status = (
            _("The shop keeps you in %(tier)s until %(date)s.")
            % {"tier": tier, "date": _until(outlook.floor_until)}
            if outlook.floor_until
            else _("The shop keeps you in %(tier)s.") % {"tier": tier}
        )
    elif outlook.held_until:
        status = _("Your %(tier)s status is held until %(date)s.") % {
            "tier": tier,
            "date": _until(outlook.held_until),
        }

    if outlook.moving_down or outlook.grace:
        headline = _keep_words(view, deadline, review_day)
    elif outlook.moving_up and view.review_tier:
        headline = _("You move up to %(tier)s on %(date)s.") % {
            "tier": view.review_tier.display_name,
            "date": review_day,
        }
    elif status and outlook.keep_missing:
        headline = status  # the hold or floor is what keeps the tier: say that first
    elif view.next_tier and outlook.reach_missing and outlook.reach_reachable:
        values = {
            "needs": _needs(outlook.reach_missing),
            "tier": view.next_tier.display_name,
            "date": deadline,
        }
        if outlook.next_on_order:
            headline = _("%(needs)s to reach %(tier)s.") % values
        else:
            headline = _("%(needs)s by %(date)s to reach %(tier)s.") % values
    elif view.next_tier:
        headline = _("Keep ordering to reach %(tier)s: see what it takes below.") % {
            "tier": view.next_tier.display_name
        }
    else:
        headline = _("%(tier)s is our top tier. Thank you!") % {"tier": tier}
    kept = None
    if outlook.keep and not outlook.keep_missing:
        kept = _("You have done what keeps %(tier)s at the review on %(date)s.") % {
            "tier": tier,
            "date": review_day,
        }
    return TierExplanation(
        headline=headline,
        status=status,
        kept=kept,
        keep=tuple(_bar(p) for p in outlook.keep),
        reach=tuple(_bar(p) for p in outlook.reach),
        moving_down=outlook.moving_down,
    )
