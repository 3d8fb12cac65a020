"""A test report as a lab reports it, before it is checked: the same shape from every channel
(the JSON API, a CSV file)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class ReportData:
    number: str
    issued_on: dt.date
    sample_received_on: dt.date
    client_name: str
    object_name: str
    parameters: list[dict[str, str]]
    signatory_name: str
    pdf_sha256: str = ""
    # The lab's sample number and the SHA-256 of the results as the lab computed it (optional).
    sample_no: str = ""
    results_sha256: str = ""
    status: str = "valid"
    status_reason: str = ""
    status_date: dt.date | None = None
    # An explicit correction: the lab states that the stored report's content changes.
    correction: bool = False
    row: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    # What a re-sent report must repeat unchanged (unless it is a correction).
    CONTENT = ("issued_on", "sample_received_on", "client_name", "object_name", "parameters", "signatory_name",
               "pdf_sha256", "sample_no", "results_sha256")
