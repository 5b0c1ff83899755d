from .access import MemberAccessLog
from .audit import StaffAction
from .bookings import Booking
from .cards import MemberCard
from .events import MemberEvent
from .feedback import OrderFeedback
from .followups import FollowUpTask
from .members import Member, MemberNote
from .messages import MemberMessage, MessageDelivery
from .orders import Order, OrderLine, ServiceCategory
from .referrals import Referral
from .stores import Store
from .tags import MemberTag, Tag
from .tiers import Tier, TierBenefit
from .users import User

__all__ = [
    "Booking",
    "FollowUpTask",
    "MemberAccessLog",
    "MemberCard",
    "MemberEvent",
    "Member",
    "MemberMessage",
    "MemberNote",
    "MessageDelivery",
    "MemberTag",
    "Order",
    "OrderFeedback",
    "OrderLine",
    "Referral",
    "ServiceCategory",
    "StaffAction",
    "Store",
    "Tag",
    "Tier",
    "TierBenefit",
    "User",
]
