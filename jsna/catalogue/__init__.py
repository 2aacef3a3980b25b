"""The indicator catalogue: which Fingertips indicators the JSNA covers, by domain."""

from jsna.catalogue.load import Catalogue, CatalogueError, Indicator, load_catalogue

__all__ = ["Catalogue", "CatalogueError", "Indicator", "load_catalogue"]
