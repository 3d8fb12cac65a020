"""Import and export of certificates.

Import (journey 7): a body's CSV or XLSX file → rows → `CertificateData` → the reporting
engine, in chunks inside one transaction; a report file at the end. The columns are described
in `columns.py` and, for people, in docs/import-template.md.

Export: the public fields of certificates as CSV, XLSX, JSON lines or Parquet, streamed.
"""

from .errors import FileInfo, FileRejected, RowError
from .importer import DEFAULT_CHUNK, Cancel, ImportCancelled, ImportResult, import_file, run_import
from .readers import Table, open_table
from .report import write_report

__all__ = ["DEFAULT_CHUNK", "Cancel", "FileInfo", "FileRejected", "ImportCancelled", "ImportResult", "RowError",
           "Table", "import_file", "open_table", "run_import", "write_report"]
