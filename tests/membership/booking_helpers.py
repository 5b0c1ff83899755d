"""A store with a weekly slot template, for the booking tests."""

from datetime import datetime, time
from decimal import Decimal

from django.utils import timezone

from membership.models import SlotTemplate, Store
from tests.factories import StoreFactory

STORE_LAT, STORE_LNG = Decimal("31.229600"), Decimal("121.455900")
NEAR = (Decimal("31.235000"), Decimal("121.460000"))  # about 0.7 km away
FAR = (Decimal("31.300000"), Decimal("121.455900"))  # about 7.8 km north


def shop_time(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=timezone.get_default_timezone())


def booking_store(
    *,
    capacity: int = 2,
    delivery: int = 2,
    held_back_percent: int = 0,
    release_minutes: int = 0,
    starts=(time(9), time(14)),
    **store_fields,
) -> Store:
    store = StoreFactory(
        latitude=STORE_LAT, longitude=STORE_LNG, service_radius_km=Decimal("3"), **store_fields
    )
    SlotTemplate.objects.bulk_create(
        SlotTemplate(
            store=store,
            weekday=weekday,
            start_time=start,
            length_minutes=120,
            pickup_capacity=capacity,
            delivery_capacity=delivery,
            held_back_percent=held_back_percent,
            release_minutes=release_minutes,
        )
        for weekday in range(7)
        for start in starts
    )
    return store
