"""Store policies: one class each, an explicit registry (`all_policies`)."""

from sim.policies.base import NoPolicy, StorePolicy
from sim.policies.registry import (
    all_policies,
    get_policy_class,
    make_policies,
    make_policy,
    policy_names,
    register,
)

__all__ = [
    "NoPolicy",
    "StorePolicy",
    "all_policies",
    "get_policy_class",
    "make_policies",
    "make_policy",
    "policy_names",
    "register",
]
