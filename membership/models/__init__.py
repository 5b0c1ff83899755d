from .access import MemberAccessLog
from .appointments import AppointmentStaff
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
from .slots import ServiceZone, Slot, SlotKind, SlotTemplate, StoreClosedDate, Weekday
from .stores import Store
from .tags import MemberTag, Tag
from .tiers import Tier, TierBenefit
from .users import User

__all__ = [
    "AppointmentStaff",
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
    "ServiceZone",
    "Slot",
    "SlotKind",
    "SlotTemplate",
    "StaffAction",
    "Store",
    "StoreClosedDate",
    "Tag",
    "Tier",
    "TierBenefit",
    "User",
    "Weekday",
]
