"""Bundles: fixed sets of components, or one option chosen per slot."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from domain.money import allocate


class InvalidBundleChoiceError(ValueError):
    pass


@dataclass(frozen=True)
class FixedBundle:
    sku: str
    components: dict[str, int]
    """Units of each component SKU in one bundle."""


@dataclass(frozen=True)
class ConfigurableBundle:
    sku: str
    slots: dict[str, dict[str, int]]
    """Per slot, the option SKUs and their units; the buyer picks one each."""

    def resolve(self, choice: Mapping[str, str]) -> FixedBundle:
        """Turn the buyer's option per slot into a fixed set of components."""
        missing = sorted(set(self.slots) - set(choice))
        if missing:
            raise InvalidBundleChoiceError(
                f"bundle {self.sku}: choose an option for slot(s) {', '.join(missing)}")
        components: dict[str, int] = {}
        for slot, option in choice.items():
            options = self.slots.get(slot)
            if options is None:
                raise InvalidBundleChoiceError(f"bundle {self.sku} has no slot {slot!r}")
            if option not in options:
                raise InvalidBundleChoiceError(
                    f"bundle {self.sku}: {option} is not an option of slot {slot}; "
                    f"choose one of {', '.join(sorted(options))}")
            components[option] = components.get(option, 0) + options[option]
        return FixedBundle(self.sku, components)


def bundle_availability(bundle: FixedBundle, available: Mapping[str, int]) -> int:
    """Whole bundles the components' available units can make."""
    return min(available.get(sku, 0) // units for sku, units in bundle.components.items())


def split_bundle_price(bundle: FixedBundle, bundle_amount: Decimal,
                       list_prices: Mapping[str, Decimal], currency: str) -> dict[str, Decimal]:
    """Split a bundle's amount over its components by their list value
    (list price x units), with the largest-remainder method, so the parts
    add up to the bundle amount exactly."""
    skus = sorted(bundle.components)
    weights = [list_prices[sku] * bundle.components[sku] for sku in skus]
    return dict(zip(skus, allocate(bundle_amount, weights, currency), strict=True))
