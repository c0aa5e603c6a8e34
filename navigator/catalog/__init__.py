"""The city's service catalog: the only source of facts the kiosk tells visitors."""

from navigator.catalog.load import Catalog, load_catalog
from navigator.catalog.model import Category, Office, Service, Text

__all__ = ["Catalog", "Category", "Office", "Service", "Text", "load_catalog"]
