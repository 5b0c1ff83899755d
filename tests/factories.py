import itertools
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from membership.models import Booking, Member, Order, ServiceCategory, Store, Tier, User
from membership.roles import OWNER_GROUP, STAFF_GROUP

_phones = itertools.count(13800000000)


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"store-{n}")
    name = factory.Sequence(lambda n: f"Store {n}")


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"tier-{n}")
    rank = factory.Sequence(lambda n: n + 1)
    name_zh = factory.Sequence(lambda n: f"等级{n}")
    name_en = factory.Sequence(lambda n: f"Tier {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    phone = factory.LazyFunction(lambda: f"+86{next(_phones)}")
    phone_verified = True
    password = factory.django.Password("correct horse battery")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    user = factory.SubFactory(UserFactory)
    number = factory.Sequence(lambda n: f"M{n:09d}")
    name = factory.Faker("name")
    tier = None
    tier_since = factory.LazyFunction(timezone.now)


class StaffFactory(UserFactory):
    store = factory.SubFactory(StoreFactory)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=STAFF_GROUP))


class OwnerFactory(UserFactory):
    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=OWNER_GROUP))


class ServiceCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cat-{n}")
    name_zh = factory.Sequence(lambda n: f"品类{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")
    default_price = Decimal("30")


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    member = factory.SubFactory(MemberFactory)
    store = factory.SubFactory(StoreFactory)
    number = factory.Sequence(lambda n: f"O{n:012d}")
    subtotal = Decimal("100.00")
    total = Decimal("100.00")
    cash_amount = factory.SelfAttribute("total")  # total must equal the payments' sum


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    member = factory.SubFactory(MemberFactory)
    store = factory.SubFactory(StoreFactory)
    kind = Booking.Kind.PICKUP
    slot_start = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=1))
    slot_end = factory.LazyAttribute(lambda b: b.slot_start + timezone.timedelta(hours=2))
    address = "1 Test Road"
