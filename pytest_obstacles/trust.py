"""Plain data: whether a gate's theorem may be relied on, and why (not)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GateTrust:
    """``trusted`` is True only when Lean checked the theorem for the sources on disk."""

    trusted: bool
    why: str
