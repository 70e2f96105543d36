"""English and Spanish texts of one dashboard page (merged into ``i18n.STRINGS``)."""

STRINGS: dict[str, dict[str, str]] = {}
