from datetime import date
from decimal import Decimal

import pypdfium2
import pytest
import zxingcpp

from domain.shipping.boxes import Dimensions
from domain.shipping.labels import (
    LabelFontMissingError,
    LabelOverflowError,
    ShippingLabel,
    render_label_pdf,
    render_label_zpl,
)
from models.payloads import Address

SENDER = Address(
    name="OMS Warehouse",
    line1="1 Dock Road",
    city="Houston",
    region="TX",
    postal_code="77001",
    country="US",
)
RECIPIENT = Address(
    name="Zoë Müller",
    line1="ul. Piotrkowska 3",
    city="Łódź",
    postal_code="90-001",
    country="PL",
)


def make_label(tracking_number: str = "SIM1A2B3C4D5E6F") -> ShippingLabel:
    return ShippingLabel(
        tracking_number=tracking_number,
        carrier="simcarrier",
        service="express",
        sender=SENDER,
        recipient=RECIPIENT,
        weight_kg=Decimal("1.25"),
        ship_date=date(2026, 3, 9),
        dimensions=Dimensions(Decimal("31"), Decimal("26"), Decimal("21")),
        reference="order-1001",
    )


def scan_pdf(pdf: bytes, dpi: int = 203) -> list:
    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=dpi / 72).to_pil()
    return zxingcpp.read_barcodes(image)


def pdf_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    return document[0].get_textpage().get_text_range()


def test_label_pdf_is_4_by_6_inches():
    document = pypdfium2.PdfDocument(render_label_pdf(make_label()))

    assert len(document) == 1
    assert document[0].get_size() == pytest.approx((288, 432))


@pytest.mark.parametrize("dpi", [203, 300])
def test_label_pdf_barcode_scans_to_tracking_number(dpi):
    results = scan_pdf(render_label_pdf(make_label()), dpi)

    assert len(results) == 1
    assert results[0].format == zxingcpp.BarcodeFormat.Code128
    assert results[0].text == "SIM1A2B3C4D5E6F"


@pytest.mark.parametrize(
    "tracking_number",
    ["1Z999AA10123456784", "420912345678901234567890", "TRK-7"],
)
def test_label_pdf_barcode_other_numbers(tracking_number):
    results = scan_pdf(render_label_pdf(make_label(tracking_number)))

    assert [result.text for result in results] == [tracking_number]


def test_label_pdf_keeps_utf8_address():
    text = pdf_text(render_label_pdf(make_label()))

    assert "Zoë Müller" in text
    assert "Łódź" in text
    assert "OMS Warehouse" in text
    assert "SIMCARRIER EXPRESS" in text
    assert "SIM1A2B3C4D5E6F" in text


def test_label_pdf_wraps_long_lines():
    long_street = "Very Long Industrial Estate Access Road Number 12345, Unit 678"
    label = make_label()
    wide = ShippingLabel(
        **{
            **label.__dict__,
            "recipient": RECIPIENT.model_copy(update={"line1": long_street}),
        }
    )

    text = pdf_text(render_label_pdf(wide))

    # Wrapped text comes back with a line break inside the street.
    assert "Very Long Industrial" in text
    assert long_street not in text.replace("\r\n", "\n").split("\n")


def test_label_pdf_missing_font_rejected(tmp_path):
    with pytest.raises(LabelFontMissingError, match="fonts-dejavu-core"):
        render_label_pdf(make_label(), font_directory=tmp_path)


@pytest.mark.parametrize("bad", ["", "AB CD", "AB^FS", "ÄBC", "A~B"])
def test_label_bad_tracking_number_rejected(bad):
    with pytest.raises(ValueError, match="printable"):
        render_label_pdf(make_label(bad))
    with pytest.raises(ValueError, match="printable"):
        render_label_zpl(make_label(bad))


def test_label_zpl_structure():
    zpl = render_label_zpl(make_label())
    lines = zpl.splitlines()

    assert lines[0] == "^XA"
    assert lines[1] == "^CI28"
    assert "^PW812" in lines
    assert "^LL1218" in lines
    assert lines[-1] == "^XZ"


def test_label_zpl_keeps_utf8_text():
    zpl = render_label_zpl(make_label())

    assert "^FH^FDZoë Müller^FS" in zpl
    assert "^FH^FD90-001 Łódź^FS" in zpl


def test_label_zpl_barcode_field():
    # 15 characters: 11 x (15 + 2) + 13 = 200 modules; 752 usable dots
    # // 200 = 3 dots per module.
    zpl = render_label_zpl(make_label())

    assert "^BY3^BCN,200,Y,N,N^FDSIM1A2B3C4D5E6F^FS" in zpl


def test_label_zpl_escapes_control_characters():
    label = make_label()
    tricky = ShippingLabel(
        **{
            **label.__dict__,
            "recipient": RECIPIENT.model_copy(update={"name": "A^B~C_D"}),
        }
    )

    zpl = render_label_zpl(tricky)

    assert "^FHFD" not in zpl
    assert "^FH^FDA_5EB_7EC_5FD^FS" in zpl


def test_label_pdf_long_service_name_shrinks():
    label = make_label()
    long_name = ShippingLabel(
        **{**label.__dict__, "carrier": "intercontinental", "service": "overnight"}
    )

    pdf = render_label_pdf(long_name)

    assert "INTERCONTINENTAL OVERNIGHT" in pdf_text(pdf)
    assert [result.text for result in scan_pdf(pdf)] == ["SIM1A2B3C4D5E6F"]


def test_label_pdf_overflow_rejected():
    label = make_label()
    crowded = ShippingLabel(
        **{
            **label.__dict__,
            "recipient": RECIPIENT.model_copy(update={"line1": "Long street " * 60}),
        }
    )

    with pytest.raises(LabelOverflowError, match="no room for the barcode"):
        render_label_pdf(crowded)
