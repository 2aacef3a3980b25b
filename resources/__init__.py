"""Dagster resources: the Fingertips connection, the run context and where tables live.

The layer between plain Python and the assets: it imports only ``jsna`` (and Dagster),
``assets/`` import it, and ``pipelines/environment.py`` builds it from the settings of a
launch. Plain fields, so the same definitions run against the live API, a mirror or the
offline sample API; nothing here reads the environment or the network when imported.
"""

from resources.fingertips import FingertipsResource
from resources.run_context import RunContext

__all__ = ["FingertipsResource", "RunContext"]
