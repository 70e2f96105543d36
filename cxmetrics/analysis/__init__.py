"""Explanations built on the metrics engine: incidents (what moved together and why),
change decomposition (rate and mix effects) and key drivers of NPS and CSAT."""
