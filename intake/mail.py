"""A mail's way into the intake flow, whichever door brought it (IMAP or our own SMTP server).

`bot/email_in.py` keeps what is e-mail specific (reading the MIME, keeping the raw bytes, picking
the inspection from the addresses); what becomes of the mail is decided here: a receiving body's
reply to a transfer is attached to the transfer and never acknowledged, an automatic or
senderless mail is only recorded, and anything else is a citizen's message like any other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from intake.flow import ChannelIntake
from intake.models import InboundMessage
from intake.ports import RawMessage
from intake.service import Receipt

# (transfer number, the committed mail, its attachments' metadata) -> whether the transfer was found.
TransferReply = Callable[[str, RawMessage, list[dict[str, Any]]], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class ReadMail:
    """What the intake needs of one mail, once the channel has read it."""

    message: InboundMessage
    # Report numbers named in the mail (a citizen's follow-up joins that report).
    tracking_hints: tuple[str, ...] = ()
    # Transfer numbers (ZB-...) named in it: perhaps a receiving body's reply.
    transfer_hints: tuple[str, ...] = ()
    # Why it is an auto-reply or a bounce, or None for a person's mail.
    auto: str | None = None
    # Why it could not be parsed (kept whole for an officer), or None.
    unparsed: str | None = None


async def take_mail(
    intake: ChannelIntake,
    mail: ReadMail,
    payload: dict[str, Any],
    *,
    inspection_id: str | None,
    on_transfer_reply: TransferReply | None = None,
) -> Receipt:
    """Commit the mail and act on it; `payload` is what the channel kept of it (its attachments'
    metadata under "attachments")."""
    if mail.transfer_hints and on_transfer_reply is not None and mail.auto is None:
        saved = await intake.commit(mail.message, payload=payload, inspection_id=inspection_id)
        if saved.duplicate and saved.message.handled:
            return Receipt(None, None, duplicate=True)
        for number in mail.transfer_hints:
            if await on_transfer_reply(number, saved.message, payload["attachments"]):
                # A body's reply is no citizen's report: kept, attached, never acknowledged.
                await intake.record(saved.message, "message.transfer_reply")
                return Receipt(None, None)
    return await intake.accept(
        mail.message,
        payload=payload,
        inspection_id=inspection_id,
        tracking_hints=mail.tracking_hints,
        # Without a sender there is nobody to answer, only a message to keep; but an unparsed
        # mail may be anyone's report, so it opens one for an officer.
        record_only=mail.unparsed is None and (mail.auto is not None or mail.message.sender is None),
    )
