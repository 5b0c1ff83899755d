"""A salon: a store taking appointments with a weekly template, services and staff members."""

from datetime import time

from membership.models import AppointmentStaff, SlotTemplate, Store
from tests.factories import ServiceCategoryFactory, StaffFactory, StoreFactory


def salon(
    *,
    capacity: int = 1,
    stylists: int = 2,
    held_back_percent: int = 0,
    release_minutes: int = 0,
    starts=(time(10), time(14)),
    pickup: int = 0,
    **store_fields,
) -> tuple[Store, list[AppointmentStaff]]:
    """A store offering appointments every day at `starts` (each `capacity` places per staff
    member), a haircut and a colour, and `stylists` staff members named Tony, Amy, ..."""
    store_fields.setdefault("offers_appointments", True)
    store = StoreFactory(**store_fields)
    SlotTemplate.objects.bulk_create(
        SlotTemplate(
            store=store,
            weekday=weekday,
            start_time=start,
            length_minutes=60,
            pickup_capacity=pickup,
            appointment_capacity=capacity,
            held_back_percent=held_back_percent,
            release_minutes=release_minutes,
        )
        for weekday in range(7)
        for start in starts
    )
    store.appointment_services.add(
        ServiceCategoryFactory(code="haircut", name_zh="剪发", name_en="Haircut"),
        ServiceCategoryFactory(code="colour", name_zh="染发", name_en="Colour"),
    )
    names = ["Tony", "Amy", "Kevin", "Lily", "Mia", "Leo"]
    staff = [
        AppointmentStaff.objects.create(
            store=store,
            user=StaffFactory(store=store, first_name=name),
            name=name,
            title_en="Senior stylist" if n == 0 else "Stylist",
            title_zh="资深发型师" if n == 0 else "发型师",
            sort_order=n,
        )
        for n, name in enumerate(names[:stylists])
    ]
    return store, staff
