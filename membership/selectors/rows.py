from django.db.models import Model, QuerySet


def one_or_none[M: Model](queryset: QuerySet[M]) -> M | None:
    """The row a query on a unique column finds, or None: ``.first()`` without the ORDER BY it
    adds, which costs the ORM more to compile than the lookup costs the database. For the
    queries every page runs (the session's user, the member)."""
    return next(iter(queryset.order_by()[:1]), None)
