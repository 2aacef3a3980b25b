"""Contracts of the published tables (plain pandera and pyarrow, no project imports).

``PUBLISHED`` lists every table the pipeline publishes; each is described once in its
``TableSpec``, from which its validation, its Parquet schema and its dictionary entry
are generated.
"""

from schemas.changes import CHANGES
from schemas.data_dictionary import DATA_DICTIONARY
from schemas.footprints import FOOTPRINT_VALUES
from schemas.indicator_values import INDICATOR_VALUES
from schemas.inequalities import INEQUALITIES, INEQUALITY_GRADIENTS
from schemas.neighbourhoods import NEIGHBOURHOOD_VALUES
from schemas.quarantine import QUARANTINE
from schemas.spec import TableSpec
from schemas.summary import SUMMARY

_TABLES = (
    INDICATOR_VALUES, NEIGHBOURHOOD_VALUES, INEQUALITIES, INEQUALITY_GRADIENTS, FOOTPRINT_VALUES, SUMMARY, CHANGES,
    QUARANTINE, DATA_DICTIONARY,
)  # fmt: skip
PUBLISHED: dict[str, TableSpec] = {spec.name: spec for spec in _TABLES}
