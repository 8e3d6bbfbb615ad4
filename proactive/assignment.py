"""Stable random assignment: who is held out of a trigger, who is in the global control group.

A hash rather than a stored draw: the same customer lands in the same group on every run, on
every machine, with nothing to migrate; the outcomes issue compares the groups later.
"""

from __future__ import annotations

import hashlib

CONTROL_SALT = "control"


def bucket(salt: str, customer_id: int) -> float:
    """A uniform, stable number in [0, 100) for this salt and customer."""
    digest = hashlib.sha256(f"{salt}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * 100


def in_holdout(trigger_name: str, customer_id: int, percent: float) -> bool:
    """Held out of this trigger (gets nothing from it, counted for its uplift)."""
    return percent > 0 and bucket(f"holdout:{trigger_name}", customer_id) < percent


def in_control_group(customer_id: int, percent: float) -> bool:
    """In the global control group: no marketing at all, service messages still go."""
    return percent > 0 and bucket(CONTROL_SALT, customer_id) < percent
