"""Logging for `serve` and `worker`: our records at INFO, chatty libraries quieter, identities masked.

The code logs tracking numbers, outbox and message ids, never a sender, a recipient or a text
(tests/trust/test_logs.py proves it at DEBUG). Three guards stand behind that rule: libraries that
log request parameters or URLs (python-telegram-bot's DEBUG lines carry chat ids and texts; httpx's
INFO lines carry the bot token in the URL) are held at WARNING; the filter on the handler never
prints the fields that can carry a reporter's data unseen, an exception's message (openpyxl's,
SQLAlchemy's, a driver's quote the values they choked on): a traceback keeps its frames and
exception types, and an exception passed as a log argument is shown by its type; and, last, it
masks anything shaped like a phone number or an e-mail address, control characters and all.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Final

# alembic.runtime.plugins: a dozen "setup plugin" lines at every migration, which tell an operator
# nothing (the "Running upgrade" lines of alembic.runtime.migration stay).
QUIET_LIBRARIES: Final = (
    "telegram",
    "httpx",
    "httpcore",
    "aiosqlite",
    "twilio",
    "aiosmtplib",
    "mail.log",
    "alembic.runtime.plugins",
)
FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"

WITHHELD: Final = "<message withheld: it may quote a reporter's data>"
# An international or mainland mobile number (11+ digits, optional +; spaces, dashes or control
# characters between the digits), or an e-mail address.
_PHONE = re.compile(r"(?<![\w-])\+?\d[\d \-\x00-\x1f\x7f]{9,17}\d(?![\w-])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def mask(text: str) -> str:
    """`text` with phone numbers and e-mail addresses replaced by a placeholder."""
    return _EMAIL.sub("<email>", _PHONE.sub("<phone>", text))


def withheld_traceback(exc: BaseException) -> str:
    """A traceback with its frames and exception types, and none of the exceptions' messages."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    parts: list[str] = []
    for link in reversed(chain):
        if parts:
            parts.append("\nThe above exception led to the following one:\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(link.__traceback__))
        parts.append(f"{type(link).__module__}.{type(link).__qualname__}: {WITHHELD}\n")
    return "".join(parts).rstrip("\n")


class MaskIdentities(logging.Filter):
    """Withholds exceptions' messages and masks identity-shaped text in a record (a last guard)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops a record."""
        if isinstance(record.args, tuple) and any(isinstance(a, BaseException) for a in record.args):
            record.args = tuple(
                f"{type(a).__qualname__}" if isinstance(a, BaseException) else a for a in record.args
            )
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None:
            # Rendered here, without the messages; the formatter prints exc_text as it is.
            record.exc_text = withheld_traceback(record.exc_info[1])
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


def quiet_libraries() -> None:
    """Hold the libraries that log parameters, URLs or payloads at WARNING."""
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(level: int = logging.INFO) -> None:
    """Root handler on stderr with the masking filter; libraries quieted."""
    logging.basicConfig(level=level, format=FORMAT)
    for handler in logging.getLogger().handlers:
        handler.addFilter(MaskIdentities())
    quiet_libraries()
