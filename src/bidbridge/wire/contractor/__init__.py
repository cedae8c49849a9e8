"""Wire schemas of the contractor API."""
