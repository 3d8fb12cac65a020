"""Reads of watchlists: a user sees only their own."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils import timezone

from certinel.core.errors import NotFound

from .models import Delivery, WatchItem, Watchlist


def watchlists_of(user) -> QuerySet[Watchlist]:
    return (Watchlist.objects.filter(owner=user).annotate(item_count=Count("items", distinct=True))
            .order_by("-active", "name", "id"))


def watchlist_get(*, user, pk: int) -> Watchlist:
    watchlist = Watchlist.objects.filter(pk=pk, owner=user).first() if user.is_authenticated else None
    if watchlist is None:
        raise NotFound("No such watchlist.")
    return watchlist


@dataclass
class Supplier:
    """A watched code, what the register knows of it, and its certificates by status today."""

    item: WatchItem
    name: str = ""
    registered: bool = False
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def suppliers(items: list[WatchItem]) -> list[Supplier]:
    """The watched suppliers of one page of items, with their names and certificate counts."""
    from certinel.certificates.models import Certificate
    from certinel.certificates.selectors import annotate_status, status_today
    from certinel.registry.models import Organization

    codes = [i.uscc for i in items]
    names = dict(Organization.objects.filter(uscc__in=codes).values_list("uscc", "name"))
    out = {i.uscc: Supplier(i, names.get(i.uscc, ""), i.uscc in names) for i in items}
    certs = list(Certificate.objects.filter(holder_uscc__in=codes).select_related("scheme")
                 .only("holder_uscc", "status", "expires_on", "next_surveillance_due", "scheme"))
    for cert in annotate_status(certs, timezone.localdate()):
        counts = out[cert.holder_uscc].counts
        counts[status_today(cert)] = counts.get(status_today(cert), 0) + 1
    return list(out.values())


def deliveries_of(watchlist: Watchlist, *, limit: int = 50) -> list[Delivery]:
    return list(Delivery.objects.filter(notification__watchlist=watchlist)
                .select_related("notification").prefetch_related("log").order_by("-created_at", "-id")[:limit])
