"""Reads of transfers between bodies, narrowed to what the reader may see (the permission
matrix's ("transfer", "view") and ("transfer", "answer"))."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from certinel.accounts.permissions import scope

from .choices import TransferState
from .models import Certificate, CertificateTransfer

SETTLED_SHOWN = 50


def _transfers() -> QuerySet[CertificateTransfer]:
    return CertificateTransfer.objects.select_related("source", "target", "from_body", "to_body", "holder")


@dataclass
class TransferLists:
    to_answer: list[CertificateTransfer] = field(default_factory=list)  # pending, the reader may answer
    watching: list[CertificateTransfer] = field(default_factory=list)  # pending, the reader only sees
    settled: list[CertificateTransfer] = field(default_factory=list)  # the latest settled ones


def transfers_for(*, user: Any) -> TransferLists:
    """The transfers the user sees: pending ones to answer first, then pending ones the user
    only follows (the accepting body, regulators), then the latest settled ones."""
    visible = scope(user, "view", "transfer", _transfers())
    answerable = set(scope(user, "answer", "transfer", CertificateTransfer.objects.filter(
        state=TransferState.PENDING)).values_list("pk", flat=True))
    pending = list(visible.filter(state=TransferState.PENDING).order_by("deadline", "pk"))
    return TransferLists(
        to_answer=[t for t in pending if t.pk in answerable],
        watching=[t for t in pending if t.pk not in answerable],
        settled=list(visible.exclude(state=TransferState.PENDING).order_by("-decided_on", "-pk")[:SETTLED_SHOWN]))


def transfer_visible(*, user: Any, pk: int) -> CertificateTransfer | None:
    """One transfer, or None when there is none the user may see."""
    return scope(user, "view", "transfer", _transfers()).filter(pk=pk).first()


def pending_transfer_of(cert: Certificate) -> CertificateTransfer | None:
    """The transfer a certificate awaits, as the old or the new certificate (public: the
    certificate's own events say as much)."""
    return (_transfers().filter(state=TransferState.PENDING).filter(source=cert).first()
            or _transfers().filter(state=TransferState.PENDING).filter(target=cert).first())
