"""Mixed precision: ``autocast`` (per-op policies from the op registry, applied by the dispatcher), the policy
table (``policy``, ``set_policy``, ``policies``, ``table``) and ``GradScaler``."""
from __future__ import annotations

from .autocast import autocast, autocast_policy, get_autocast_dtype, is_autocast_enabled
from .grad_scaler import GradScaler, check_unscaled
from .policy import policies, policy, set_policy, table

__all__ = ["GradScaler", "autocast", "autocast_policy", "check_unscaled", "get_autocast_dtype",
           "is_autocast_enabled", "policies", "policy", "set_policy", "table"]
