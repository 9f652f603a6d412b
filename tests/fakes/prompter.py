"""A `Prompter` (intake/conversation.py) that records what the conversation would show a chat."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from intake.conversation import ChatEvent, Choice


@dataclass(frozen=True, slots=True)
class Prompt:
    chat_id: str
    text: str
    choices: tuple[tuple[Choice, ...], ...]
    ask_contact: str | None
    remove_keyboard: bool


@dataclass
class RecordingPrompter:
    """Keeps every prompt, and every choice received and used, in order."""

    prompts: list[Prompt] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    async def send(
        self,
        chat_id: str,
        text: str,
        *,
        choices: Sequence[Sequence[Choice]] = (),
        ask_contact: str | None = None,
        remove_keyboard: bool = False,
    ) -> str | None:
        rows = tuple(tuple(row) for row in choices)
        self.prompts.append(Prompt(chat_id, text, rows, ask_contact, remove_keyboard))
        self.steps.append("send")
        return str(len(self.prompts))

    async def choice_received(self, event: ChatEvent) -> None:
        self.steps.append(f"received {event.choice}")

    async def choice_used(self, event: ChatEvent) -> None:
        self.steps.append(f"used {event.choice}")

    def names(self) -> list[str]:
        """The choice names of the last prompt."""
        return [name for row in self.prompts[-1].choices for _, name in row]
