"""The integration API: one declaration per function drives routing, validation and the docs."""
