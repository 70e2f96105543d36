"""cxmetrics: a local-first customer-experience command center for a telco."""

__version__ = "0.1.0"
