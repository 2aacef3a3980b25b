"""The mental wellbeing JSNA pipeline: plain-Python core (no Dagster imports here).

Everything under ``jsna`` can be used from a notebook or a script; ``pipelines``,
``assets`` and ``schemas`` wire it into Dagster.
"""

__version__ = "0.1.0"
