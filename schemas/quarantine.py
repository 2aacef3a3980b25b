"""The ``quarantine`` table: served rows the contract refused, kept with the reason."""

from __future__ import annotations

from schemas.indicator_values import ROW_KEY, SERVED_NUMBERS
from schemas.spec import TEXT, Column, TableSpec

QUARANTINE = TableSpec(
    name="quarantine",
    description=(
        "Every served row that broke a rule of the indicator_values contract, with every cell as served (text, "
        "unparsed) and the reason; nothing refused is dropped silently. Empty when every row was valid."
    ),
    columns=(
        *(Column(n, TEXT, f"{n} exactly as served.") for n in (*ROW_KEY, "area_name", *SERVED_NUMBERS)),
        Column("value_note", TEXT, "value_note exactly as served.", heading="Value note"),
        Column("request_url", TEXT, "The request that served the row (credentials removed)."),
        Column("reason", TEXT, "Every rule the row broke, separated by '; '."),
    ),
    # No key: a row served twice is the kind of thing this table exists to show.
)
