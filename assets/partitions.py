"""The area partitions: one slug per area of the scope (a region's councils, or England's).

Built when the definitions load, from the area list the API gave (cached in the state
folder); see ``resources.partition_scope``."""

from dagster import StaticPartitionsDefinition

from resources import partition_scope

_scope = partition_scope()
borough_partitions = StaticPartitionsDefinition(_scope.slugs if _scope else [])
