"""Settings for every OMS process, read from `OMS_*` environment variables."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration shared by the worker, the API and the scripts."""

    model_config = SettingsConfigDict(env_prefix="OMS_", extra="ignore")

    environment: str = Field(
        "development",
        description="`development` logs readable lines, `production` JSON.",
    )
    data_dir: Path = Field(
        Path("data"),
        description="Folder for the Temporal store, the SQLite file and dev keys.",
    )
    database_url: str = Field(
        "",
        validation_alias="DATABASE_URL",
        description="SQLAlchemy URL; empty means a SQLite file in data_dir.",
    )

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_ui_port: int = 8233
    task_queue: str = "orders"

    max_concurrent_activities: int = Field(
        200, ge=1,
        description="Activity threads per worker; simulated warehouse "
        "delays hold a thread while they sleep.",
    )
    worker_processes: int = Field(
        1, ge=1, le=32,
        description="Worker processes `make run` starts. One Python worker "
        "runs its workflow code on one core at a time, so more processes "
        "use more cores.",
    )

    api_host: str = "127.0.0.1"
    api_port: int = 8000

    pick_delay_seconds: float = Field(
        0.5, ge=0, description="Simulated warehouse time to pick an order."
    )
    pack_delay_seconds: float = Field(
        0.5, ge=0, description="Simulated warehouse time to pack an order."
    )
    warehouse_manual_confirmation: bool = Field(
        False,
        description="Wait for staff to confirm pick and pack through the API.",
    )
    carrier_transit_seconds: float = Field(
        5.0, ge=0, description="Simulated time from label to delivered."
    )
    tracking_poll_seconds: float = Field(
        2.0, gt=0, description="How often to ask the carrier when no event came."
    )
    feedback_delay_seconds: float = Field(
        3.0, ge=0, description="Wait after delivery before asking for feedback."
    )
    return_window_days: float = Field(
        30.0, ge=0, description="Days after delivery that returns stay open."
    )

    reservation_ttl_minutes: float = Field(
        30.0, gt=0,
        description="Minutes before an unpaid order's reservations expire.",
    )
    allocation_strategy: Literal["fewest_shipments", "nearest", "priority"] = Field(
        "fewest_shipments",
        description="How orders are split over warehouses; see domain.allocation.",
    )

    import_limit: int = Field(
        0, ge=0, description="Orders to import from the dataset; 0 imports all."
    )
    import_concurrency: int = Field(8, ge=1, le=64)
    settle_timeout_seconds: float = Field(
        120.0, ge=0,
        description="How long `make run` waits for imported orders to reach "
        "delivery before it prints the summary.",
    )

    smtp_host: str = Field("127.0.0.1", description="SMTP server for order e-mails.")
    smtp_port: int = Field(1025, ge=1, le=65535)
    smtp_timeout_seconds: float = Field(
        30.0, gt=0, description="Seconds to wait for the SMTP server per call."
    )
    mail_from: str = Field(
        "orders@example.com", description="Sender address of order e-mails."
    )
    tracking_url_template: str = Field(
        "https://tracking.example.com/{carrier}/{tracking_number}",
        description="Link in shipment e-mails; `{carrier}` and "
        "`{tracking_number}` are filled in.",
    )

    carrier_webhook_secrets: str = Field(
        "dev-webhook-secret",
        description="Comma-separated HMAC secrets that carrier webhooks may be "
        "signed with; list two while rotating. Replace the default outside "
        "development.",
    )

    @model_validator(mode="after")
    def _reject_default_secret_in_production(self) -> "Settings":
        if self.environment == "production" and "dev-webhook-secret" in self.carrier_webhook_secrets:
            raise ValueError(
                "OMS_CARRIER_WEBHOOK_SECRETS still contains the development "
                "secret; set the secret your carrier signs webhooks with"
            )
        return self

    @property
    def webhook_secrets(self) -> list[bytes]:
        return [
            secret.strip().encode()
            for secret in self.carrier_webhook_secrets.split(",")
            if secret.strip()
        ]

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'oms.db'}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
