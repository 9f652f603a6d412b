"""The desk's labelled examples: each report's latest officer decision with the report's text.

Nothing is copied: the example is the `decisions` row (kind confirmed, written by every confirm or
change on the desk) and the report's sealed messages, unsealed here in memory for training only.
"""

from __future__ import annotations

from sqlalchemy import select

from intake.models import Decision
from intake.textmodel.feedback import DeskExample
from storage.schema import decisions, reports
from storage.stores import Stores


def _sector(decision: Decision) -> str | None:
    kind = decision.target.kind if decision.target else ""
    return kind.split(":", 1)[1] if kind.startswith("department:") else None


async def desk_examples(stores: Stores, inspection_id: str | None = None) -> list[DeskExample]:
    """One example per report an officer decided (the latest decision wins), in report order."""
    stmt = (
        select(decisions.c.report_id, decisions.c.body, reports.c.tracking_number, reports.c.inspection_id)
        .join(reports, reports.c.pk == decisions.c.report_id)
        .where(decisions.c.kind == "confirmed")
        .order_by(decisions.c.pk)
    )
    if inspection_id is not None:
        stmt = stmt.where(reports.c.inspection_id == inspection_id)
    async with stores.db.read() as conn:
        latest = {r.report_id: r for r in (await conn.execute(stmt)).all()}
    out: list[DeskExample] = []
    for pk in sorted(latest):
        row = latest[pk]
        texts = [m.text for m in await stores.messages.report_messages(pk) if m.text.strip()]
        if not texts:  # a call with no summary yet, or a purged report: nothing to learn from
            continue
        decision = Decision.model_validate(row.body)
        out.append(
            DeskExample(
                row.tracking_number,
                row.inspection_id,
                "\n".join(texts),
                decision.category,
                _sector(decision),
            )
        )
    return out
