"""Rows that are only ever appended: history that must not change after it is written
(ledger entries, member events). Corrections are new rows that point at what they correct."""

from django.db import models


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an append-only row."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("These rows are append-only; write a correcting row instead.")

    def delete(self):
        raise AppendOnlyError("These rows are append-only; write a correcting row instead.")


class AppendOnlyModel(models.Model):
    """Refuses saving an existing row and deleting one. Deleting the member a row belongs to
    still cascades: the collector uses the base manager, not this queryset."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("These rows are append-only; write a correcting row instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("These rows are append-only; write a correcting row instead.")
