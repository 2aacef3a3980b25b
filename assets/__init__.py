"""Dagster assets, a module per step of the data flow: raw (as served) -> core (validated) -> out
(published) -> the commit. See README, How it works."""
