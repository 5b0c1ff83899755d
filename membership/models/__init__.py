from .bookings import Booking
from .cards import MemberCard
from .members import Member, MemberNote
from .orders import Order, OrderLine, ServiceCategory
from .stores import Store
from .tiers import Tier, TierBenefit
from .users import User

__all__ = [
    "Booking",
    "MemberCard",
    "Member",
    "MemberNote",
    "Order",
    "OrderLine",
    "ServiceCategory",
    "Store",
    "Tier",
    "TierBenefit",
    "User",
]
