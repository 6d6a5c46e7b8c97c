"""ASGI entry point: `uvicorn api.main:app`."""

from api.app import create_app
from core.logging import configure_logging
from core.settings import get_settings

configure_logging(get_settings().environment)
app = create_app()
