"""Pure money and stock rules: no I/O, called by activities and the API."""
