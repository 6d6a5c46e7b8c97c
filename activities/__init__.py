"""Every side effect of an order: database, payment, warehouse, carrier."""
