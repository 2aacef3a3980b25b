"""The borough partitions: one slug per child area of the configured region."""

from dagster import StaticPartitionsDefinition

from resources import region_from_env

borough_partitions = StaticPartitionsDefinition(region_from_env().slugs)
