from .audit import StaffAction
from .bookings import Booking
from .cards import MemberCard
from .feedback import OrderFeedback
from .followups import FollowUpTask
from .members import Member, MemberNote
from .orders import Order, OrderLine, ServiceCategory
from .stores import Store
from .tiers import Tier, TierBenefit
from .users import User

__all__ = [
    "Booking",
    "FollowUpTask",
    "MemberCard",
    "Member",
    "MemberNote",
    "Order",
    "OrderFeedback",
    "OrderLine",
    "ServiceCategory",
    "StaffAction",
    "Store",
    "Tier",
    "TierBenefit",
    "User",
]
