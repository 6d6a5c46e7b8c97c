"""Interfaces to external systems and the simulators that implement them."""
