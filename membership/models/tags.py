from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .tiers import BilingualNameMixin, colour_validator


class Tag(BilingualNameMixin, models.Model):
    """A label on members, configured by the owner.

    Static tags are set by staff at the counter ("business", "parent", "premium"); dynamic
    tags are recomputed from behaviour by rules, so staff cannot add or remove them.
    """

    class Kind(models.TextChoices):
        STATIC = "static", _("Static (set by staff)")
        DYNAMIC = "dynamic", _("Dynamic (set by rules)")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.STATIC)
    colour = models.CharField(
        _("colour"), max_length=7, default="#6b7280", validators=[colour_validator]
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive tags are hidden everywhere.")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    @property
    def is_static(self) -> bool:
        return self.kind == self.Kind.STATIC


class MemberTag(models.Model):
    """A tag on one member: who added it and when (no one, for rule-set dynamic tags)."""

    member = models.ForeignKey(
        "membership.Member",
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="member_tags",
    )
    tag = models.ForeignKey(
        Tag, verbose_name=_("tag"), on_delete=models.CASCADE, related_name="member_tags"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("member tag")
        verbose_name_plural = _("member tags")
        constraints = [
            models.UniqueConstraint(fields=["member", "tag"], name="membertag_unique_member_tag")
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.tag}"
