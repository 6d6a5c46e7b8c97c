"""FastAPI application factory."""

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client

from api.problems import ApiProblem, install_problem_handlers
from api.routes import (
    bundles,
    carrier_events,
    catalog,
    catalog_admin,
    catalog_search,
    feedback,
    inventory,
    orders,
    returns,
    shipments,
    support,
)
from core.db import create_tables, get_engine
from core.settings import Settings, get_settings
from core.temporal import connect
from domain.shipping.webhook import RejectionLog


def create_app(settings: Settings | None = None, engine: Engine | None = None,
               temporal: Client | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.engine = engine or get_engine()
        create_tables(app.state.engine)
        app.state.temporal = temporal or await connect(
            settings.temporal_address, settings.temporal_namespace
        )
        yield

    app = FastAPI(
        title="Order Management System",
        version="0.1.0",
        description="Every order is a durable Temporal workflow. "
        "Authenticate with `Authorization: Bearer <API key>`.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.webhook_rejections = RejectionLog()
    install_problem_handlers(app)
    app.include_router(orders.router)
    app.include_router(inventory.router)
    app.include_router(support.router)
    app.include_router(feedback.router)
    app.include_router(shipments.router)
    app.include_router(carrier_events.router)
    app.include_router(returns.router)
    app.include_router(catalog_admin.router)
    app.include_router(catalog_search.router)
    app.include_router(bundles.router)
    app.include_router(catalog.router)

    @app.get("/health", tags=["health"])
    async def health(request: Request) -> dict:
        """Check that the database and Temporal respond."""
        try:
            with Session(request.app.state.engine) as session:
                session.exec(text("SELECT 1"))
            await request.app.state.temporal.service_client.check_health()
        except Exception as error:
            raise ApiProblem(503, "unhealthy", f"dependency check failed: {error}") from error
        return {"status": "ok"}

    return app
