"""`bidbridge sync`: mirror RFPs, their documents and messages into a folder, incrementally."""
