"""Version stamps for pages built from one member's data (the dashboard, the card, the
counter's member panel).

A page rendered for a member is kept with the two versions it was built under: the member's
and the shop's. A change to any row of the member (a save of any model with a member key,
of the member or of its login) sets a new member version; a change to what the owner
configures (tiers, stores, offers, coupons, settings...) sets a new shop version, and so do
bulk jobs that touch many members at once (the tier review, segments, imports). A kept page
whose versions differ from the current ones is never served.

Versions are random tokens, never 0: a version evicted from the cache comes back as a new
token, which no kept page carries. Reading the versions happens before reading the data, and
a change sets new versions both when made and after it commits, so a page built from data
older than a change cannot carry the version current after it.
"""

import secrets
from functools import partial

from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

SHOP_KEY = "member-pages:shop"
MEMBER_KEY = "member-pages:member:{}"
VERSION_SECONDS = 7 * 24 * 3600  # longer than any kept page lives

# Owner-configured models that member pages show or are decided from. Rows that change with
# every order or job (ledger entries, slots, receipts, runs) are left out: they either belong
# to a member (and so bump that member) or appear on no cached page.
SHOP_MODELS = (
    "membership.Tier",
    "membership.TierBenefit",
    "membership.ServiceCategory",
    "membership.Store",
    "membership.StoreClosedDate",
    "membership.ServiceZone",
    "membership.Tag",
    "loyalty.CouponTemplate",
    "loyalty.Package",
    "loyalty.PackageItem",
    "loyalty.PointsReward",
    "loyalty.LoyaltySettings",
    "loyalty.TopUpBonusRule",
    "loyalty.SegmentSettings",
    "loyalty.DynamicTagRule",
    "loyalty.RewardRule",
)  # pages, sites and shop settings: portal.content's own cache receivers call shop_pages_changed


def _token() -> str:
    return secrets.token_hex(8)


def member_pages_versions(
    *, member_id: int, kept_key: str | None = None
) -> tuple[str, str, object]:
    """(shop version, member version, what ``kept_key`` holds or None) now, in one cache round
    trip when both versions are set; a version not set gets a fresh token."""
    keys = (SHOP_KEY, MEMBER_KEY.format(member_id))
    found = cache.get_many([*keys, kept_key] if kept_key else keys)
    versions = []
    for key in keys:
        if key not in found:
            cache.add(key, _token(), VERSION_SECONDS)  # another process may win: read theirs
            found[key] = cache.get(key) or _token()
        versions.append(found[key])
    return versions[0], versions[1], found.get(kept_key) if kept_key else None


def versions_bump(keys: list[str]) -> None:
    cache.set_many({key: _token() for key in keys}, VERSION_SECONDS)


def _bump_now_and_after_commit(keys: list[str]) -> None:
    versions_bump(keys)
    # Again after commit: a page built meanwhile from the data before the change took the
    # first new version.
    transaction.on_commit(partial(versions_bump, keys))


def member_pages_changed(*member_ids: int | None) -> None:
    """Every kept page of these members is stale (now and once the change commits)."""
    keys = [MEMBER_KEY.format(pk) for pk in dict.fromkeys(member_ids) if pk is not None]
    if keys:
        _bump_now_and_after_commit(keys)


def shop_pages_changed() -> None:
    """Every kept member page is stale (the owner changed the shop, or a bulk job changed
    many members), now and once the change commits."""
    _bump_now_and_after_commit([SHOP_KEY])


def _member_row_saved(sender, instance, **kwargs) -> None:
    member_pages_changed(*(getattr(instance, field.attname) for field in _member_fields(sender)))


def _member_saved(sender, instance, **kwargs) -> None:
    member_pages_changed(instance.pk)


def _user_saved(sender, instance, update_fields=None, **kwargs) -> None:
    # Pages show the login's phone and email; a login's own last_login changes none.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    member = apps.get_model("membership", "Member")
    member_pages_changed(*member.objects.filter(user_id=instance.pk).values_list("pk", flat=True))


def _shop_row_changed(sender, **kwargs) -> None:
    shop_pages_changed()


_FIELDS: dict[type, list] = {}


def _member_fields(model) -> list:
    if model not in _FIELDS:
        member = apps.get_model("membership", "Member")
        _FIELDS[model] = [
            f for f in model._meta.concrete_fields if getattr(f, "related_model", None) is member
        ]
    return _FIELDS[model]


# Logs of who looked at a member: on no kept page, and written by the opening of one.
NOT_SHOWN = ("membership.MemberAccessLog", "membership.StaffAction")


def member_pages_connect() -> None:
    """Connect the receivers (MembershipConfig.ready, once every app is loaded).

    Saves only for rows of a member: a delete receiver would cost those models Django's fast
    deletes; the services that delete a member's rows say so themselves (tags, segments)."""
    member = apps.get_model("membership", "Member")
    post_save.connect(_member_saved, sender=member, dispatch_uid="member_pages_member_save")
    post_delete.connect(_member_saved, sender=member, dispatch_uid="member_pages_member_delete")
    post_save.connect(
        _user_saved, sender=apps.get_model("membership", "User"), dispatch_uid="member_pages_user"
    )
    for model in apps.get_models():
        if model is not member and _member_fields(model) and model._meta.label not in NOT_SHOWN:
            post_save.connect(
                _member_row_saved, sender=model, dispatch_uid=f"member_pages_{model._meta.label}"
            )
    for label in SHOP_MODELS:
        try:
            model = apps.get_model(label)
        except LookupError:  # an app left out of INSTALLED_APPS
            continue
        for signal in (post_save, post_delete):
            signal.connect(
                _shop_row_changed, sender=model, dispatch_uid=f"shop_pages_{signal}_{label}"
            )
