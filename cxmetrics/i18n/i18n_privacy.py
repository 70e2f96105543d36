"""English and Spanish texts of k-anonymity suppression (merged into ``i18n.STRINGS``)."""

STRINGS: dict[str, dict[str, str]] = {
    "privacy.suppressed": {
        "en": "suppressed (fewer than {k} people)",
        "es": "suprimido (menos de {k} personas)",
    },
    "privacy.suppressed.complement": {
        "en": "suppressed (protects a small cell)",
        "es": "suprimido (protege una celda pequeña)",
    },
    "privacy.suppressed.short": {"en": "suppressed", "es": "suprimido"},
    "privacy.pack_meta": {"en": "Privacy", "es": "Privacidad"},
    "privacy.pack_note": {
        "en": "k-anonymity: built for a role without record-level access, so a figure with fewer than {k} people "
        "behind it is suppressed (value, interval, n and change withheld), and so is one more figure beside any "
        "single suppressed figure of a breakdown, so that it cannot be recomputed from the total.",
        "es": "k-anonimato: generado para un rol sin acceso a registros, así que una cifra con menos de {k} "
        "personas detrás se suprime (se ocultan valor, intervalo, n y variación), y también otra cifra junto a "
        "cualquier cifra suprimida sola en un desglose, para que no pueda recalcularse a partir del total.",
    },
    "privacy.tile_note": {
        "en": "Fewer than {k} people are behind this figure: it is not shown to your role.",
        "es": "Hay menos de {k} personas detrás de esta cifra: no se muestra a tu rol.",
    },
    "ov.tile.previous_suppressed": {
        "en": "previous period {label}",
        "es": "periodo anterior {label}",
    },
    "privacy.col.suppressed": {"en": "Suppressed", "es": "Suprimido"},
    "okr.suppressed_krs": {
        "en": "{krs}: fewer than {k} people in the window, so the figure is suppressed for your role.",
        "es": "{krs}: menos de {k} personas en la ventana, así que la cifra se suprime para tu rol.",
    },
    "privacy.note": {
        "en": "Cells with fewer than {k} people are suppressed for the {role} role (value, interval, n and "
        "changes withheld), and so is one more cell beside any single suppressed cell of a row or column, so "
        "that it cannot be recomputed from the totals.",
        "es": "Las celdas con menos de {k} personas se suprimen para el rol {role} (se ocultan valor, "
        "intervalo, n y variaciones), y también otra celda junto a cualquier celda suprimida sola en su fila "
        "o columna, para que no pueda recalcularse a partir de los totales.",
    },
}
