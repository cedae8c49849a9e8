"""bidbridge: a tendering platform for the construction trade, with an integration API."""

__version__ = "0.1.0"
