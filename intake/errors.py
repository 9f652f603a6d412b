"""One error tree for the whole service; each class carries how the edge should answer it."""

from __future__ import annotations


class PetitionError(Exception):
    """Base of every error the service raises on purpose."""


class InspectionError(PetitionError):
    """An inspection file is invalid; `problems` names each field that is wrong."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class InboundError(PetitionError):
    """Something a provider or a client sent us is unusable."""

    http_status = 400


class WebhookAuthError(InboundError):
    """A webhook's signature or secret is missing or wrong; nothing else of it is read."""

    http_status = 403


class MalformedPayload(InboundError):
    http_status = 400


class UnsupportedEvent(InboundError):
    """A valid delivery we do not act on (an edited message, say): answered 200 so it is not retried."""

    http_status = 200


class ChannelSendError(PetitionError):
    """Sending on a channel failed; `retryable` says whether the outbox should try again."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class StorageError(PetitionError):
    """The database refused or failed a write; the caller answers so that the provider retries."""
