"""Shipping labels served as PDF and ZPL from the shipment records."""

import pypdfium2

from api.auth import Role
from tests.shipping.conftest import add_shipment


def pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(content)
    try:
        return "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_shipment_label_pdf_has_tracking_number(fake_stack):
    add_shipment(fake_stack.engine)

    response = fake_stack.client.get(
        "/shipments/US-2019-103800-1/label",
        headers=fake_stack.headers(Role.WAREHOUSE))

    text = pdf_text(response.content)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "SIM5EA1ABC0" in text
    assert "Zoë Ångström" in text
    assert "US-2019-103800" in text


def test_shipment_label_zpl_has_utf8_and_tracking_number(fake_stack):
    add_shipment(fake_stack.engine)

    response = fake_stack.client.get(
        "/shipments/US-2019-103800-1/label", params={"format": "zpl"},
        headers=fake_stack.headers(Role.SUPPORT))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "^CI28" in response.text
    assert "^FDSIM5EA1ABC0^FS" in response.text
    assert "Zoë Ångström" in response.text


def test_shipment_label_unknown_shipment_is_404(fake_stack):
    response = fake_stack.client.get(
        "/shipments/NOPE-1/label", headers=fake_stack.headers(Role.OPERATOR))

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_shipment_label_unknown_format_is_422(fake_stack):
    add_shipment(fake_stack.engine)

    response = fake_stack.client.get(
        "/shipments/US-2019-103800-1/label", params={"format": "png"},
        headers=fake_stack.headers(Role.WAREHOUSE))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.format"


def test_shipment_label_without_weight_is_409(fake_stack):
    add_shipment(fake_stack.engine, weight_kg=None)

    response = fake_stack.client.get(
        "/shipments/US-2019-103800-1/label",
        headers=fake_stack.headers(Role.WAREHOUSE))

    assert response.status_code == 409
    assert "no weight" in response.json()["detail"]


def test_shipment_label_backend_role_is_403(fake_stack):
    add_shipment(fake_stack.engine)

    response = fake_stack.client.get(
        "/shipments/US-2019-103800-1/label", headers=fake_stack.headers(Role.BACKEND))

    assert response.status_code == 403
