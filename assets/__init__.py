"""Dagster assets, one module per layer: raw (as served) -> core (validated) -> out (published)."""
