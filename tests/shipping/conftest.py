"""An API app over a SQLite file with a fake Temporal client, for the
endpoints whose tested paths never reach a workflow."""

from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from activities.shipping_records import record_shipment
from api.app import create_app
from api.auth import Role, create_api_key
from core.settings import Settings
from domain.shipping.boxes import Dimensions
from models.payloads import Address, ShipmentInfo

WEBHOOK_SECRET = "whsec-test-current"
OLD_WEBHOOK_SECRET = "whsec-test-old"


@dataclass
class FakeWorkflowHandle:
    workflow_id: str
    signals: list

    async def signal(self, name, argument):
        self.signals.append((self.workflow_id, name, argument))


@dataclass
class FakeTemporal:
    """Records signals; the tests that use it never expect one."""

    signals: list = field(default_factory=list)

    def get_workflow_handle(self, workflow_id):
        return FakeWorkflowHandle(workflow_id, self.signals)


@dataclass
class FakeStack:
    client: TestClient
    temporal: FakeTemporal
    engine: object
    keys: dict[Role, str]

    def headers(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}


@pytest.fixture
def fake_stack(sqlite_engine):
    with Session(sqlite_engine) as session:
        keys = {
            role: create_api_key(session, role, f"test-{role.value}") for role in Role
        }
    temporal = FakeTemporal()
    settings = Settings(
        database_url=str(sqlite_engine.url),
        carrier_webhook_secrets=f"{WEBHOOK_SECRET}, {OLD_WEBHOOK_SECRET}",
    )
    app = create_app(settings, engine=sqlite_engine, temporal=temporal)
    with TestClient(app) as client:
        yield FakeStack(client, temporal, sqlite_engine, keys)


def add_shipment(engine, shipment_id="US-2019-103800-1", tracking_number="SIM5EA1ABC0",
                 weight_kg=Decimal("1.300")) -> None:
    shipment = ShipmentInfo(
        shipment_id=shipment_id, carrier="simcarrier", service="ground",
        tracking_number=tracking_number,
        shipped_at=datetime(2019, 1, 4, 15, 30, tzinfo=timezone.utc),
        weight_kg=weight_kg,
    )
    with Session(engine) as session:
        record_shipment(
            session, order_id="US-2019-103800", shipment=shipment,
            ship_from=Address(name="Main warehouse", line1="1 Dock Rd",
                              city="Houston", region="Texas", postal_code="77001"),
            ship_to=Address(name="Zoë Ångström", line1="12 Elm St",
                            city="Dallas", region="Texas", postal_code="75201"),
            warehouse_id="WH-1",
            dimensions=Dimensions(Decimal(27), Decimal(22), Decimal(12)),
        )
