"""Approximate customer locations from postal codes, for allocation.

Addresses carry no coordinates, so a destination is placed at the
rough centre of its postal area: the ten US ZIP zones (first digit)
and the Canadian postal districts (first letter). That is enough to
tell a warehouse in Chicago from one in New York for a buyer in Texas,
not to rank two warehouses in the same state.
"""

from domain.allocation import Location

# Rough centres (latitude, longitude) of the US ZIP zones 0 to 9.
US_ZIP_ZONES = {
    "0": (42.0, -72.5), "1": (41.5, -76.0), "2": (37.0, -78.5),
    "3": (32.0, -84.5), "4": (40.5, -84.5), "5": (45.0, -95.0),
    "6": (40.0, -93.0), "7": (32.0, -95.5), "8": (39.0, -110.0),
    "9": (38.5, -121.0),
}
# Rough centres of the Canadian postal districts by first letter.
CA_DISTRICTS = {
    "A": (48.5, -56.0), "B": (45.0, -63.0), "C": (46.3, -63.2),
    "E": (46.5, -66.0), "G": (46.8, -71.2), "H": (45.5, -73.6),
    "J": (47.0, -72.0), "K": (44.5, -76.5), "L": (43.6, -79.8),
    "M": (43.7, -79.4), "N": (43.0, -81.0), "P": (46.5, -81.0),
    "R": (50.0, -97.0), "S": (52.0, -106.0), "T": (52.0, -114.0),
    "V": (49.5, -123.0), "X": (62.5, -114.0), "Y": (60.7, -135.0),
}


def approximate_location(country: str, postal_code: str) -> Location | None:
    """Return the centre of the postal area, or None when it is unknown."""
    code = postal_code.strip().upper()
    if not code:
        return None
    if country == "US":
        centre = US_ZIP_ZONES.get(code[0])
    elif country == "CA":
        centre = CA_DISTRICTS.get(code[0])
    else:
        centre = None
    return Location(*centre) if centre else None
