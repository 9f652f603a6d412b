"""Staff named by a bare title in a letter to a unit's team: "法官收了律师的钱", "有个科员…" with no body
or place named. Written to the team inspecting a unit, such staff are the unit's own, below its tiers, and
their accusations go to the unit's own discipline organ (policy 4.1, last row), as the staff words of
pipeline._STAFF already do when no post is named."""

from __future__ import annotations

from intake.officials import Named

__all__ = ["only_bare_staff"]


def only_bare_staff(named: list[Named]) -> bool:
    """Every official the text names (the sender aside) is staff with no body, no place and no unit
    named: nothing places them in another body, so they are the inspected unit's (the caller checks
    that the text names no other body or place either)."""
    others = [n for n in named if not n.sender]
    return all(
        n.body is not None
        and n.body.role == "staff"
        and n.body.org is None
        and n.body.place is None
        and (n.body.in_unit or n.body.kind == "unknown")
        for n in others
    )
