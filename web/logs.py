"""Logging for `serve` and `worker`: our records at INFO, chatty libraries quieter, identities masked.

The code logs tracking numbers, outbox and message ids, never a sender, a recipient or a text
(tests/trust/test_logs.py proves it at DEBUG). Two guards stand behind that rule: libraries that
log request parameters or URLs (python-telegram-bot's DEBUG lines carry chat ids and texts; httpx's
INFO lines carry the bot token in the URL) are held at WARNING, and a filter on the handler masks
anything shaped like a phone number or an e-mail address that a future log call might let through.
"""

from __future__ import annotations

import logging
import re
from typing import Final

QUIET_LIBRARIES: Final = ("telegram", "httpx", "httpcore", "aiosqlite", "twilio", "aiosmtplib", "mail.log")
FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# An international or mainland mobile number (11+ digits, optional +), or an e-mail address.
_PHONE = re.compile(r"(?<![\w-])\+?\d[\d -]{9,17}\d(?![\w-])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def mask(text: str) -> str:
    """`text` with phone numbers and e-mail addresses replaced by a placeholder."""
    return _EMAIL.sub("<email>", _PHONE.sub("<phone>", text))


class MaskIdentities(logging.Filter):
    """Masks phone numbers and e-mail addresses in a record's final message (a last guard)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place; never drops a record."""
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_text is None:
            # Render the traceback now so that its text can be masked as well.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
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
