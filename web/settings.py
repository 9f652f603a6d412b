"""Settings from the environment (PETITION_*) or a .env file, built once in the composition root."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting operators rely on; names follow docs/service-interface.md."""

    model_config = SettingsConfigDict(env_prefix="PETITION_", env_file=".env", extra="ignore")

    data_dir: Path = Path("./data")
    database_url: str | None = None
    inspection: str | None = Field(default=None, description="inspection TOML path(s), ':'-separated")
    public_url: str = "http://127.0.0.1:8000"
    # `petition serve --demo`: the inspections' periods moved around today and marked 演示 (web/demo.py).
    demo: bool = False
    # A TrueType font (.ttf/.ttc) whose glyphs the transfer form's PDF embeds (web/transfer_form.py).
    pdf_font: str | None = None
    secret_key: str | None = None
    # The data key(s) sealing reporters' data (base64url, comma-separated, the first current); unset:
    # `<data_dir>/data.key`, generated on first start (storage/crypto.py, docs/security.md).
    data_key: str | None = None
    # Per client address on /hooks/*, calls failing verification (a wrong signature or secret) a
    # minute, and the burst allowed above it; a verified delivery is never limited (web/hooks.py).
    hook_rate_per_minute: int = 600
    hook_burst: int = 120
    # Days after an inspection's period ends before `petition retention run` archives and purges its
    # reports; unset: never (docs/security.md, "Retention").
    retention_days: int | None = None
    # The text model file (`petition model train --output`); unset: the model shipped in the package.
    # A missing or broken file stops the service at start (intake/textmodel).
    model_path: Path | None = None

    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from: str | None = None
    twilio_api_base: str = "https://api.twilio.com"
    # The duty phone (bot/voice.py): delete a voice message at Twilio once it is stored sealed here,
    # and refuse one larger than this (three minutes of MP3 are some 720 KB).
    twilio_delete_recordings: bool = True
    twilio_max_recording_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)

    telegram_token: str | None = None
    telegram_secret: str | None = None
    telegram_api_base: str = "https://api.telegram.org"
    telegram_polling: bool = False  # long polling instead of the webhook (`serve --telegram-polling`)
    # Where an SMS is decided and its report opened after the webhook committed it: "inline", in the
    # process that took the webhook (moments later, in batches); "worker", by a `petition worker`
    # process (one at a time holds the job), so the serving processes only verify and commit.
    intake_processing: Literal["inline", "worker"] = "inline"

    # The outbox's send rates, messages per second per sending address or channel, as the provider
    # allows them (a Twilio long code about 1/s, a short code 100/s): "sms=1,sms:+10655=100,telegram=25";
    # unset: not limited. And how many sends may be out with the providers at once.
    outbox_rates: str | None = None
    outbox_in_flight: int = Field(default=32, ge=1, le=1000)

    # Sign-in attempts per client address and minute.
    login_rate_per_minute: int = Field(default=10, ge=1)
    # How often the officers' queue page asks for new reports.
    desk_poll_seconds: int = Field(default=10, ge=1, le=3600)

    # When the worker queues each inspection's daily digest, in the inspection's own time zone
    # ("HH:MM"); "off" leaves it to `petition digest --send` (cron).
    digest_at: str = "08:00"

    smtp_url: str | None = None
    imap_url: str | None = None
    smtp_listen: str | None = None
    mail_from: str | None = None

    @field_validator("digest_at")
    @classmethod
    def _digest_at_is_a_time(cls, value: str) -> str:
        if value.strip().lower() != "off":
            time.fromisoformat(value.strip())  # raises ValueError: "HH:MM" expected
        return value.strip()

    @field_validator("outbox_rates")
    @classmethod
    def _outbox_rates_parse(cls, value: str | None) -> str | None:
        from intake.outbox import parse_rates

        parse_rates(value)  # raises ValueError: "KEY=messages per second" expected
        return value

    def digest_time(self) -> time | None:
        """The local time of the daily digest, or None when it is off."""
        return None if self.digest_at.lower() == "off" else time.fromisoformat(self.digest_at)

    def active_model_path(self) -> Path | None:
        """The model the service loads: `model_path` if set, else the one `petition model train
        --from-desk` switched to (`<data_dir>/models/ACTIVE`), else None (the shipped one)."""
        from intake.textmodel.feedback import active_deployment_model

        return self.model_path or active_deployment_model(self.data_dir)

    def inspection_paths(self) -> list[Path]:
        """The configured inspection files, or the first bundled example."""
        from intake.inspection import default_inspection_path

        if not self.inspection:
            return [default_inspection_path()]
        return [Path(p) for p in self.inspection.split(":") if p]

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        # Imported here: `serve` reads the URL before it listens, and SQLAlchemy takes a while.
        from storage.engine import sqlite_url

        return sqlite_url(self.data_dir)
