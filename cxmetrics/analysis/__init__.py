"""Explanations built on the metrics engine: incidents (what moved together and why),
change decomposition and key drivers."""
