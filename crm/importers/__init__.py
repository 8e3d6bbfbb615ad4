"""Importers that fill the customer store from outside data sets."""

from crm.importers.online_retail import AlreadyImported, ImportReport, import_online_retail
from crm.importers.online_retail_parse import OnlineRetailFormatError

__all__ = ["AlreadyImported", "ImportReport", "OnlineRetailFormatError", "import_online_retail"]
