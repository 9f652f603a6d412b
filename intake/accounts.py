"""A desk account as the desk sees it: its role and the inspections it works (`storage.accounts`
keeps them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class User:
    pk: int
    name: str
    role: str
    password_hash: str
    disabled: bool
    inspections: str = "*"

    def may_see(self, inspection_id: str) -> bool:
        """Whether this account works the given inspection."""
        return self.inspections.strip() == "*" or inspection_id in self.inspections.split()

    def visible(self, all_ids: Sequence[str]) -> tuple[str, ...]:
        """The inspections among `all_ids` this account may see."""
        return tuple(i for i in all_ids if self.may_see(i))

    def audit_scope(self, all_ids: Sequence[str]) -> AuditScope | None:
        """What of the audit log this account may read; None: all of it (an unlimited account)."""
        if self.inspections.strip() == "*":
            return None
        return AuditScope(self.visible(all_ids), self.name)


@dataclass(frozen=True, slots=True)
class AuditScope:
    """What of the audit log an account limited to some inspections sees: the entries about their
    reports, and of the entries about no report (sign-ins, accounts, exports) only its own."""

    inspection_ids: tuple[str, ...]
    own_name: str
