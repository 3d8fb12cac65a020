"""What a body reports about one certificate: the typed input every channel (API, file
import, portal, admin) turns its input into before the reporting engine sees it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CertificateData:
    """The certificate as the body's own system knows it, today. Reporting is by state: the
    engine compares it with what the register holds and derives the events (issue, suspend,
    renew, change of scope …)."""

    number: str
    scheme: str
    holder_uscc: str
    holder_name: str
    issued_on: dt.date
    expires_on: dt.date
    scope_text: str
    signed_by: str
    status: str = "valid"
    first_issued_on: dt.date | None = None
    standards: str = ""
    scope_codes: list[str] = field(default_factory=list)
    products: list[dict[str, Any]] = field(default_factory=list)
    sites: list[dict[str, Any]] = field(default_factory=list)
    manufacturer: str = ""
    factory: str = ""
    factory_address: str = ""
    # When the latest status change or surveillance happened, why, and until when a suspension runs.
    status_date: dt.date | None = None
    status_reason: str = ""
    suspended_until: dt.date | None = None
    last_surveillance_on: dt.date | None = None
    # To register a holder the register does not know yet.
    holder_region: str = ""
    holder_address: str = ""
    # A certificate taken over from another body: that body's approval number and certificate number.
    transferred_from_body: str = ""
    transferred_from_number: str = ""
    # Optimistic concurrency: the version the reporter last saw (None: do not check).
    version: int | None = None
    # Where the row came from (file row number), for error reports.
    row: int | None = None
