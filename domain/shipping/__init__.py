"""Shipping rules without I/O: rates, boxes, delivery estimates, labels,
carrier webhooks and tracking."""
