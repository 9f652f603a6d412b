"""Transfer forms (转办单): issued, released, withdrawn and re-issued, each in one transaction.

Whether a form may name the reporter is decided when it is issued and kept with it: an item that
was ever classified or confirmed as an accusation is protected (检举控告 保密), and its form names
the reporter only after a leader's recorded release. A later change of the decision never changes
what an issued form says; a leader's change of a transferred report withdraws its form and issues
a new one under a new number (issue #13 item 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.models import Decision, Scope
from intake.transfers import FINISHED_TRANSFER, Transfer
from storage.audit_log import insert_audit
from storage.db import Db
from storage.reports import record_decision
from storage.schema import decisions, reports, transfers


def transfer_of(db: Db, row: RowMapping) -> Transfer:
    """A transfers row, unsealed."""
    return Transfer(
        pk=row["pk"],
        report_id=row["report_id"],
        inspection_id=row["inspection_id"],
        number=row["number"],
        kind=row["kind"],
        region=row["region"],
        body_name=row["body_name"],
        body_email=row["body_email"],
        matter=db.codec.unseal(row["matter"]),
        identity_released=row["identity_released"],
        state=row["state"],
        deadline=row["deadline"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        reporter_protected=row["reporter_protected"],
        category=row["category"],
        released_by=row["released_by"],
        released_at=row["released_at"],
        replaced_by=row["replaced_by"],
    )


class SqlTransfers:
    """The transfer forms (转办单) of the reports."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def ever_accusation(self, conn: AsyncConnection, report_pk: int) -> bool:
        """Whether the report was ever classified or confirmed as an accusation (any decision)."""
        bodies = await conn.execute(select(decisions.c.body).where(decisions.c.report_id == report_pk))
        current = await conn.execute(select(reports.c.category).where(reports.c.pk == report_pk))
        return current.scalar_one() == "accusation" or any(
            isinstance(b, dict) and b.get("category") == "accusation" for b in bodies.scalars()
        )

    async def create_transfer(
        self,
        report_pk: int,
        *,
        decision: Decision,
        body_email: str | None,
        matter: str,
        identity_released: bool,
        deadline: datetime,
        actor: str,
        now: datetime,
    ) -> Transfer:
        """Confirm an out-of-scope decision as a transfer (转办), all in one transaction."""
        async with self._db.write() as conn:
            return await self._insert_transfer(
                conn,
                report_pk,
                decision=decision,
                body_email=body_email,
                matter=matter,
                identity_released=identity_released,
                deadline=deadline,
                actor=actor,
                now=now,
            )

    async def _insert_transfer(
        self,
        conn: AsyncConnection,
        report_pk: int,
        *,
        decision: Decision,
        body_email: str | None,
        matter: str,
        identity_released: bool,
        deadline: datetime,
        actor: str,
        now: datetime,
    ) -> Transfer:
        """Issue a numbered transfer form; whether it may name the reporter is decided here, once:
        an item that was ever an accusation needs a leader's release (`identity_released`, which
        the caller grants only to a leader)."""
        if decision.target is None:
            raise ValueError("a transfer needs a target")
        target = decision.target
        protected = decision.category.value == "accusation" or await self.ever_accusation(conn, report_pk)
        released = identity_released and protected
        number, inspection_id = await _next_form_number(conn, report_pk)
        await conn.execute(
            transfers.insert().values(
                report_id=report_pk,
                inspection_id=inspection_id,
                number=number,
                kind=target.kind,
                region=target.region,
                body_name=target.name,
                body_email=body_email,
                matter=self._db.codec.seal(matter),
                identity_released=released,
                reporter_protected=protected,
                category=decision.category.value,
                released_by=actor if released else None,
                released_at=now if released else None,
                state="open",
                deadline=deadline,
                created_by=actor,
                created_at=now,
            )
        )
        row = (await conn.execute(select(transfers).where(transfers.c.number == number))).mappings().one()
        await insert_audit(
            conn,
            actor=actor,
            action="transfer.created",
            report_id=report_pk,
            detail={
                "number": number,
                "kind": target.kind,
                "region": target.region,
                "body": target.name,
                "reporter_protected": protected,
                "identity_released": released,
            },
            now=now,
        )
        return transfer_of(self._db, row)

    async def get_transfer(self, number: str, inspection_ids: Sequence[str]) -> Transfer | None:
        async with self._db.read() as conn:
            row = await _form_row(conn, number, inspection_ids)
        return transfer_of(self._db, row) if row else None

    async def release_identity(
        self, number: str, inspection_ids: Sequence[str], *, actor: str, now: datetime
    ) -> Transfer | None:
        """A leader's release of the reporter's identity on one form, recorded with it and audited;
        None when there is no such form. ValueError for a withdrawn form."""
        async with self._db.write() as conn:
            row = await _form_row(conn, number, inspection_ids)
            if row is None:
                return None
            if row["state"] == "withdrawn":
                raise ValueError("该转办单已作废，不能再同意写明反映人身份")
            if row["identity_released"]:
                return transfer_of(self._db, row)
            await conn.execute(
                update(transfers)
                .where(transfers.c.pk == row["pk"])
                .values(identity_released=True, released_by=actor, released_at=now)
            )
            await insert_audit(
                conn,
                actor=actor,
                action="identity.released",
                report_id=row["report_id"],
                detail={"number": number},
                now=now,
            )
            row = (await conn.execute(select(transfers).where(transfers.c.pk == row["pk"]))).mappings().one()
        return transfer_of(self._db, row)

    async def live_transfers(self, report_pk: int) -> list[Transfer]:
        """The report's forms its bodies still work (not closed, returned or withdrawn)."""
        async with self._db.read() as conn:
            return await self._live(conn, report_pk)

    async def _live(self, conn: AsyncConnection, report_pk: int) -> list[Transfer]:
        rows = (
            await conn.execute(
                select(transfers)
                .where(transfers.c.report_id == report_pk, transfers.c.state.not_in(FINISHED_TRANSFER))
                .order_by(transfers.c.pk)
            )
        ).mappings()
        return [transfer_of(self._db, r) for r in rows]

    async def change_transferred(
        self,
        report_pk: int,
        decision: Decision,
        *,
        body_email: str | None,
        matter: str,
        deadline: datetime,
        actor: str,
        now: datetime,
    ) -> tuple[list[Transfer], Transfer | None]:
        """A leader's change of a transferred report's decision: its live forms are withdrawn and,
        when the new decision is a transfer, a new form is issued under a new number (its identity
        decided afresh, never released). Returns (withdrawn forms, new form or None)."""
        transfer = decision.scope is Scope.OUT_OF_SCOPE and decision.target is not None
        state = "transferred" if transfer else "confirmed" if decision.scope is Scope.IN_SCOPE else "archived"
        async with self._db.write() as conn:
            withdrawn = await self._live(conn, report_pk)
            await record_decision(
                conn, report_pk, decision, kind="confirmed", actor=actor, state=state, now=now
            )
            issued = None
            if transfer:
                issued = await self._insert_transfer(
                    conn,
                    report_pk,
                    decision=decision,
                    body_email=body_email,
                    matter=matter,
                    identity_released=False,
                    deadline=deadline,
                    actor=actor,
                    now=now,
                )
            replaced_by = issued.number if issued else None
            for old in withdrawn:
                await conn.execute(
                    update(transfers)
                    .where(transfers.c.pk == old.pk)
                    .values(state="withdrawn", replaced_by=replaced_by)
                )
            await insert_audit(
                conn,
                actor=actor,
                action="decision.changed_after_transfer",
                report_id=report_pk,
                detail={
                    "scope": decision.scope.value,
                    "category": decision.category.value,
                    "target": decision.target.model_dump() if decision.target else None,
                    "state": state,
                    "withdrawn": [t.number for t in withdrawn],
                    "issued": replaced_by,
                },
                now=now,
            )
        return withdrawn, issued


async def _form_row(conn: AsyncConnection, number: str, inspection_ids: Sequence[str]) -> RowMapping | None:
    """The transfer form `number`, if it belongs to one of `inspection_ids`."""
    mine = transfers.c.inspection_id.in_(inspection_ids)
    stmt = select(transfers).where(transfers.c.number == number, mine)
    return (await conn.execute(stmt)).mappings().first()


async def _next_form_number(conn: AsyncConnection, report_pk: int) -> tuple[str, str]:
    """The number of the report's next transfer form (ZB-<tracking number>, then -2, -3 ...), and
    the report's inspection."""
    report_row = (
        await conn.execute(
            select(reports.c.tracking_number, reports.c.inspection_id).where(reports.c.pk == report_pk)
        )
    ).one()
    count = (await conn.execute(select(func.count()).where(transfers.c.report_id == report_pk))).scalar_one()
    number = f"ZB-{report_row.tracking_number}" + (f"-{count + 1}" if count else "")
    return number, str(report_row.inspection_id)
