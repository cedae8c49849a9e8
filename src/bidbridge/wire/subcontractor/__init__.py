"""Wire schemas of the subcontractor API."""
