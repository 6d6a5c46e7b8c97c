"""Box choice: the smallest catalog box that takes every item of a shipment.

A box fits when each item fits its inner dimensions in some rotation,
the items' total volume fits within the box's fill limit, and the items
plus the empty box stay under the box's maximum gross weight. The
chosen package records the box's outer dimensions and gross weight,
which is what a carrier measures and bills.
"""

from dataclasses import dataclass
from decimal import Decimal

# Share of a box's inner volume that items may take. The rest is room
# for packing material and for the gaps between rigid items.
DEFAULT_FILL_LIMIT = Decimal("0.85")


class NoBoxFitsError(ValueError):
    """No box in the catalog takes the items."""


@dataclass(frozen=True)
class Dimensions:
    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal

    @property
    def volume_cm3(self) -> Decimal:
        return self.length_cm * self.width_cm * self.height_cm

    def sorted_sides(self) -> tuple[Decimal, Decimal, Decimal]:
        longest, middle, shortest = sorted(
            (self.length_cm, self.width_cm, self.height_cm), reverse=True
        )
        return longest, middle, shortest

    def fits_inside(self, other: "Dimensions") -> bool:
        """Check whether this shape fits `other` in some 90° rotation."""
        pairs = zip(self.sorted_sides(), other.sorted_sides(), strict=True)
        return all(mine <= theirs for mine, theirs in pairs)


@dataclass(frozen=True)
class Box:
    code: str
    inner: Dimensions
    outer: Dimensions
    tare_kg: Decimal
    max_gross_kg: Decimal
    fill_limit: Decimal = DEFAULT_FILL_LIMIT


@dataclass(frozen=True)
class PackItem:
    sku: str
    quantity: int
    dimensions: Dimensions
    unit_weight_kg: Decimal


@dataclass(frozen=True)
class Package:
    """The chosen box with the weight and size a carrier bills."""

    box_code: str
    dimensions: Dimensions
    weight_kg: Decimal
    items_volume_cm3: Decimal


def choose_box(items: list[PackItem], catalog: list[Box]) -> Package:
    """Choose the box with the least inner volume that takes every item.

    Ties go to the lighter box, then to the box code. Raises
    `NoBoxFitsError` with each box's reason when none fits.
    """
    _check_items(items)
    volume = sum((_item_volume(item) for item in items), Decimal(0))
    weight = sum((item.unit_weight_kg * item.quantity for item in items), Decimal(0))

    rejections = []
    ordered = sorted(
        catalog, key=lambda box: (box.inner.volume_cm3, box.tare_kg, box.code)
    )
    for box in ordered:
        problem = _misfit(box, items, volume, weight)
        if problem is None:
            return Package(
                box_code=box.code,
                dimensions=box.outer,
                weight_kg=weight + box.tare_kg,
                items_volume_cm3=volume,
            )
        rejections.append(f"{box.code}: {problem}")

    detail = "; ".join(rejections) or "the catalog is empty"
    raise NoBoxFitsError(f"no box takes these items ({detail})")


def _check_items(items: list[PackItem]) -> None:
    if not items:
        raise ValueError("no items to pack")
    for item in items:
        if item.quantity <= 0:
            raise ValueError(
                f"quantity of {item.sku} must be positive, got {item.quantity}"
            )


def _item_volume(item: PackItem) -> Decimal:
    return item.dimensions.volume_cm3 * item.quantity


def _misfit(
    box: Box, items: list[PackItem], volume: Decimal, weight: Decimal
) -> str | None:
    """Return why the items do not fit `box`, or None when they do."""
    for item in items:
        if not item.dimensions.fits_inside(box.inner):
            return f"{item.sku} is larger than the box in some side"

    # NOTE: the volume check does not place items in 3D, so an awkward
    # mix of long items can pass it and still not fit in practice.
    room = box.inner.volume_cm3 * box.fill_limit
    if volume > room:
        return f"items take {volume} cm³, the box allows {room} cm³"

    gross = weight + box.tare_kg
    if gross > box.max_gross_kg:
        return f"gross weight {gross} kg is over the box's {box.max_gross_kg} kg"
    return None
