"""Shipping labels: a 4 x 6 inch PDF for office printers and the same
label as ZPL for Zebra thermal printers.

Both carry sender, recipient, carrier service, package weight and a
Code 128 barcode of the tracking number. Addresses keep their UTF-8
text: the PDF embeds DejaVu Sans, and the ZPL switches the printer to
UTF-8 with ^CI28.

NOTE: DejaVu Sans covers Latin, Greek and Cyrillic but not Chinese,
Japanese or Korean, which print as empty boxes in the PDF.
"""

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import inch
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from domain.shipping.boxes import Dimensions
from models.payloads import Address

PAGE_WIDTH = 4 * inch
PAGE_HEIGHT = 6 * inch
MARGIN = 12.0

FONT_NAME = "DejaVuSans"
BOLD_FONT_NAME = "DejaVuSans-Bold"
# Directory where Debian's fonts-dejavu-core package installs the fonts.
FONT_DIRECTORY = Path("/usr/share/fonts/truetype/dejavu")

# Zebra printers at 203 dpi: 4 x 6 inches is 812 x 1218 dots.
ZPL_DPI = 203
ZPL_WIDTH = 4 * ZPL_DPI
ZPL_HEIGHT = 6 * ZPL_DPI
ZPL_MARGIN = 30


class LabelFontMissingError(RuntimeError):
    """The TrueType font that labels embed is not installed."""


class LabelOverflowError(ValueError):
    """Label text too long to leave room for the barcode on the page."""


@dataclass(frozen=True)
class ShippingLabel:
    tracking_number: str
    carrier: str
    service: str
    sender: Address
    recipient: Address
    weight_kg: Decimal
    ship_date: date
    dimensions: Dimensions | None = None
    reference: str = ""
    """The merchant's own reference printed on the label, like an order id."""


def render_label_pdf(
    label: ShippingLabel, font_directory: Path = FONT_DIRECTORY
) -> bytes:
    """Draw the label on one 4 x 6 inch PDF page and return the PDF bytes."""
    _check_tracking_number(label.tracking_number)
    _register_fonts(font_directory)

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT))
    canvas.setTitle(f"{label.carrier} {label.tracking_number}")

    y = PAGE_HEIGHT - MARGIN
    y = _draw_block(canvas, "FROM", _address_lines(label.sender), 8, y)
    y = _draw_rule(canvas, y)
    y = _draw_block(canvas, "SHIP TO", _address_lines(label.recipient), 12, y)
    y = _draw_rule(canvas, y)
    y = _draw_service(canvas, label, y)
    y = _draw_rule(canvas, y)
    _draw_barcode(canvas, label.tracking_number, y)

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_label_zpl(label: ShippingLabel) -> str:
    """Write the label as ZPL II for a 203 dpi thermal printer."""
    _check_tracking_number(label.tracking_number)

    commands = ["^XA", "^CI28", f"^PW{ZPL_WIDTH}", f"^LL{ZPL_HEIGHT}", "^LH0,0"]
    y = ZPL_MARGIN
    y = _zpl_block(commands, "FROM", _address_lines(label.sender), 24, y)
    y = _zpl_block(commands, "SHIP TO", _address_lines(label.recipient), 36, y + 20)
    y = _zpl_block(commands, "", _service_lines(label), 30, y + 20)

    module = _zpl_module_width(label.tracking_number)
    commands.append(
        f"^FO{ZPL_MARGIN},{y + 30}^BY{module}^BCN,200,Y,N,N"
        f"^FD{label.tracking_number}^FS"
    )
    commands.append("^XZ")
    return "\n".join(commands) + "\n"


def _check_tracking_number(tracking_number: str) -> None:
    # Code 128 encodes ASCII only, and ^ and ~ would end a ZPL field.
    printable = all(32 < ord(char) < 127 for char in tracking_number)
    if not tracking_number or not printable or set("^~") & set(tracking_number):
        raise ValueError(
            f"tracking number {tracking_number!r} must be non-empty printable "
            "ASCII without spaces, ^ or ~"
        )


def _address_lines(address: Address) -> list[str]:
    locality = " ".join(
        part for part in (address.postal_code, address.city, address.region) if part
    )
    lines = [address.name, address.line1, locality, address.country]
    return [line for line in lines if line.strip()]


def _service_lines(label: ShippingLabel) -> list[str]:
    lines = [
        f"{label.carrier.upper()} {label.service.upper()}",
        f"Weight {label.weight_kg} kg   Shipped {label.ship_date.isoformat()}",
    ]
    if label.dimensions is not None:
        size = label.dimensions
        lines.append(f"Size {size.length_cm} x {size.width_cm} x {size.height_cm} cm")
    if label.reference:
        lines.append(f"Ref {label.reference}")
    return lines


def _register_fonts(font_directory: Path) -> None:
    regular = font_directory / "DejaVuSans.ttf"
    bold = font_directory / "DejaVuSans-Bold.ttf"
    for path in (regular, bold):
        if not path.is_file():
            raise LabelFontMissingError(
                f"font file {path} not found; install it with "
                "`apt-get install fonts-dejavu-core` or pass font_directory"
            )

    # reportlab keeps fonts in a process-wide registry, so the first
    # directory registered is the one every later label uses.
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(regular)))
        pdfmetrics.registerFont(TTFont(BOLD_FONT_NAME, str(bold)))


def _draw_block(
    canvas: Canvas, title: str, lines: list[str], size: float, y: float
) -> float:
    canvas.setFont(BOLD_FONT_NAME, 7)
    y -= 8
    canvas.drawString(MARGIN, y, title)

    width = PAGE_WIDTH - 2 * MARGIN
    for line in lines:
        for part in simpleSplit(line, FONT_NAME, size, width):
            y -= size * 1.25
            canvas.setFont(FONT_NAME, size)
            canvas.drawString(MARGIN, y, part)
    return y - 6


def _draw_service(canvas: Canvas, label: ShippingLabel, y: float) -> float:
    first, *rest = _service_lines(label)
    # Shrink a long carrier and service name to the label's width.
    width = pdfmetrics.stringWidth(first, BOLD_FONT_NAME, 20)
    size = min(20.0, 20 * (PAGE_WIDTH - 2 * MARGIN) / width)
    y -= 22
    canvas.setFont(BOLD_FONT_NAME, size)
    canvas.drawString(MARGIN, y, first)

    canvas.setFont(FONT_NAME, 9)
    for line in rest:
        y -= 12
        canvas.drawString(MARGIN, y, line)
    return y - 8


def _draw_rule(canvas: Canvas, y: float) -> float:
    canvas.setLineWidth(1)
    canvas.line(MARGIN, y, PAGE_WIDTH - MARGIN, y)
    return y


def _draw_barcode(canvas: Canvas, tracking_number: str, y: float) -> None:
    # Scale the bars so the code, quiet zones included, fits between the
    # margins. Short numbers stop at 1.4 pt per module.
    probe = Code128(tracking_number, barWidth=1.0)
    bar_width = min(1.4, (PAGE_WIDTH - 2 * MARGIN) / probe.width)
    barcode = Code128(
        tracking_number, barWidth=bar_width, barHeight=0.9 * inch, humanReadable=True
    )
    x = (PAGE_WIDTH - barcode.width) / 2
    bottom = y - 0.9 * inch - 24
    if bottom < MARGIN:
        raise LabelOverflowError(
            "label text leaves no room for the barcode; shorten the "
            "address lines or the reference"
        )
    barcode.drawOn(canvas, x, bottom)


# NOTE: ZPL text lines are not wrapped, so a line wider than the label
# prints cut off at the label edge. The PDF wraps the same line.
def _zpl_block(
    commands: list[str], title: str, lines: list[str], size: int, y: int
) -> int:
    if title:
        commands.append(f"^FO{ZPL_MARGIN},{y}^A0N,20,20^FD{title}^FS")
        y += 26
    for line in lines:
        commands.append(
            f"^FO{ZPL_MARGIN},{y}^A0N,{size},{size}^FH^FD{_zpl_escape(line)}^FS"
        )
        y += size + 8
    return y


def _zpl_escape(text: str) -> str:
    """Hex-escape the characters that ZPL reads as commands, for use after ^FH.

    ^FH makes `_` the escape character, so `_` itself is escaped too.
    Every other character, UTF-8 included, passes through under ^CI28.
    """
    escapes = {"_": "_5F", "^": "_5E", "~": "_7E"}
    return "".join(escapes.get(char, char) for char in text)


def _zpl_module_width(tracking_number: str) -> int:
    # Code 128 set B takes 11 modules for each character, including the
    # start and check characters, and 13 for the stop pattern. Set C packs
    # two digits in one character, so this is an upper bound.
    modules = 11 * (len(tracking_number) + 2) + 13
    usable = ZPL_WIDTH - 2 * ZPL_MARGIN
    return max(1, min(3, usable // modules))
