"""Dagster wiring: definitions, resources, jobs, schedules and the ``jsna`` command."""
