"""Store policies: one class each, an explicit registry (`all_policies`)."""

from sim.policies.base import NoPolicy, StorePolicy
from sim.policies.budget import BudgetedPolicy
from sim.policies.celebrity_event import CelebrityEvent
from sim.policies.complaint_recovery import ComplaintRecovery
from sim.policies.education_events import EducationEvents
from sim.policies.gift_budget import GiftBudget
from sim.policies.promo_blacklist import PromoBlacklist
from sim.policies.promotions import Promotions
from sim.policies.reactivation import Reactivation
from sim.policies.referral_points import ReferralPoints
from sim.policies.registry import (
    BUILTIN_POLICIES,
    all_policies,
    get_policy_class,
    make_policies,
    make_policy,
    policy_class_from_target,
    policy_entry,
    policy_names,
    policy_target,
    register,
)
from sim.policies.vip_privileges import VipPrivileges

__all__ = [
    "BUILTIN_POLICIES",
    "BudgetedPolicy",
    "CelebrityEvent",
    "ComplaintRecovery",
    "EducationEvents",
    "GiftBudget",
    "NoPolicy",
    "PromoBlacklist",
    "Promotions",
    "Reactivation",
    "ReferralPoints",
    "StorePolicy",
    "VipPrivileges",
    "all_policies",
    "get_policy_class",
    "make_policies",
    "make_policy",
    "policy_class_from_target",
    "policy_entry",
    "policy_target",
    "policy_names",
    "register",
]
