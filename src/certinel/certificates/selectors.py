"""Reads of the certificate register for the portal, the open API and exports: the public
search, a body's and an organization's certificates, one certificate's public record, and
the verification verdict a buyer relies on (`certificate_for_verification`).

Everything here is public: only the fields listed in `public_record` leave this module
through the API and the exports, and the status is always the status *today*
(`lifecycle.effective_status`), never a stale stored value.

Scale: the register holds millions of certificates. Every query is shaped for an index
(see docs/verification.md, "Performance"): exact numbers and codes, a region prefix as a
range of codes, the holder's name through the registry's bigram index, pages ordered by issue
date, and counts capped at `COUNT_CAP` ("10,000+")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from certinel.core.errors import FieldError, NotFound, ValidationFailed
from certinel.core.regions import within_region
from certinel.reference.models import Scheme
from certinel.registry.models import CertificationBody, Organization
from certinel.registry.search import organization_ids_matching
from certinel.registry.selectors import Page

from .choices import IN_FORCE, TRANSFER_NOT_MADE, CertificateStatus
from .filters import USCC_FULL, CertificateFilters, normalise_code, normalise_number
from .lifecycle import effective_status
from .models import Certificate, CertificateCredential, CertificateTransfer
from .trail import TrailEvent, trail_of

# Counts stop here ("10,000+"): counting millions of rows exactly would cost more than the page.
COUNT_CAP = 10_000
# A page of at most this many matching certificates is sorted in memory rather than read from
# an index in the page's order (`_in_order`).
READ_WHOLE = 2_000
# A name search ranks the certificates of at most this many matching organizations, read
# in windows from this size up.
NAME_ORG_CAP = 2_000
NAME_ORG_WINDOW = 50
# Certificates whose recorded status the scheduled job has not updated yet are found through
# their own index when there are at most this many (normally a day's worth).
LAG_CAP = 20_000
# An export holds at most this many certificates (narrow the filters for more).
EXPORT_CAP = 100_000
LIVE = (CertificateStatus.VALID, CertificateStatus.SUSPENDED)


# --- status today ------------------------------------------------------------------------

def _overdue_q(today: dt.date) -> Q:
    """Valid certificates whose surveillance is overdue beyond their scheme's grace."""
    overdue = Q(pk__in=[])
    graces: dict[int, list[int]] = {}
    for pk, grace in Scheme.objects.values_list("pk", "surveillance_grace_days"):
        graces.setdefault(grace, []).append(pk)
    if len(graces) == 1:  # one grace for every scheme: a plain range (the index on the due date)
        return Q(next_surveillance_due__lt=today - dt.timedelta(days=next(iter(graces))))
    for grace, scheme_ids in graces.items():
        overdue |= Q(scheme_id__in=scheme_ids, next_surveillance_due__lt=today - dt.timedelta(days=grace))
    # The latest of the cut-offs as well: a range the (status, due date) index can stop at.
    return Q(next_surveillance_due__lt=today - dt.timedelta(days=min(graces, default=0))) & overdue


@dataclass(frozen=True)
class Part:
    """Certificates recorded with one status whose status today is another: normally the few
    the scheduled job has not caught up with. `order` is the date column that follows the
    status in the index that finds them; reading them in that order makes the planner use
    that index (its estimate of how many there are, from independent column statistics, is
    far too high)."""

    condition: Q
    order: str


@dataclass(frozen=True)
class StatusPlan:
    """The certificates whose status *today* is a given one, as `lifecycle.effective_status`
    computes it for one certificate (expiry and missed surveillance apply at once), in terms
    of the recorded status, which the scheduled job keeps up to date:

    today = (recorded == `recorded` AND `keep`) + each of `plus`

    where `minus` are the certificates `keep` leaves out (recorded as `recorded` but no longer
    that today) and `plus` those recorded otherwise but that today."""

    recorded: str
    keep: Q
    minus: tuple[Part, ...] = ()
    plus: tuple[Part, ...] = ()


def status_plan(status: str, today: dt.date) -> StatusPlan:
    expired, overdue = Q(expires_on__lt=today), _overdue_q(today)
    valid, suspended = CertificateStatus.VALID, CertificateStatus.SUSPENDED

    def ended(recorded: str) -> Part:  # recorded live, expired since
        return Part(Q(status=recorded) & expired, "expires_on")

    missed = Part(Q(status=valid) & overdue & ~expired, "next_surveillance_due")  # surveillance missed since
    if status == CertificateStatus.EXPIRED:
        return StatusPlan(status, Q(), plus=(ended(valid), ended(suspended)))
    if status == suspended:
        return StatusPlan(status, ~expired, minus=(ended(suspended),), plus=(missed,))
    if status == valid:
        return StatusPlan(status, ~expired & ~overdue, minus=(ended(valid), missed))
    return StatusPlan(status, Q())


def effective_status_q(status: str, today: dt.date) -> Q:
    """The certificates whose status today is `status`, as one condition."""
    plan = status_plan(status, today)
    condition = Q(status=plan.recorded) & plan.keep
    for part in plan.plus:
        condition |= part.condition
    return condition


def annotate_status(certs: list[Certificate], today: dt.date) -> list[Certificate]:
    """Set `status_today`, `status_today_why` ("", "expired", "surveillance_missed") and
    `status_today_label` on each certificate (its scheme must be loaded), for templates; code
    reads them with `status_today(cert)` and friends."""
    for cert in certs:
        status, why = effective_status(cert, cert.scheme, today)
        vars(cert).update(status_today=status, status_today_why=why,
                          status_today_label=CertificateStatus(status).label)
    return certs


def status_today(cert: Certificate) -> str:
    return str(vars(cert)["status_today"])


def status_today_why(cert: Certificate) -> str:
    return str(vars(cert)["status_today_why"])


def status_today_label(cert: Certificate) -> str:
    return str(vars(cert)["status_today_label"])


# --- search --------------------------------------------------------------------------------

def _next_code(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _prefix_q(field_name: str, prefix: str) -> Q:
    """A code prefix as a range (uses the index on both databases, whatever the collation;
    SQLite cannot use one for LIKE)."""
    return Q(**{f"{field_name}__gte": prefix, f"{field_name}__lt": _next_code(prefix)})


def body_for(key: str) -> CertificationBody | None:
    """A body by id or approval number."""
    key = normalise_code(key)
    if key.isdigit():
        return CertificationBody.objects.filter(pk=int(key)).first() if len(key) <= 18 else None
    return CertificationBody.objects.filter(approval_no=key).first()


def number_variants(number: str) -> list[str]:
    """The spellings a typed number is looked up under: as typed, in capitals, without spaces."""
    tight = "".join(number.split())
    return sorted({number, number.upper(), tight, tight.upper()})


def _filtered(filters: CertificateFilters, today: dt.date, *, prefix: bool = True) -> QuerySet[Certificate] | None:
    """The filters other than a holder name and the status, or None when one of them matches
    nothing at all (an unknown body or scheme). `prefix`: whether a region prefix (a province
    or a city) is among them (`_paged` may apply it itself, see `_walks_region`)."""
    qs = Certificate.objects.all()
    if filters.number:
        qs = qs.filter(number__in=number_variants(filters.number))
    if filters.body:
        body = body_for(filters.body)
        if body is None:
            return None
        qs = qs.filter(body_id=body.pk)
    if filters.scheme:
        scheme_id = Scheme.objects.filter(code__iexact=filters.scheme).values_list("pk", flat=True).first()
        if scheme_id is None:
            return None
        qs = qs.filter(scheme_id=scheme_id)
    if filters.region:
        # A county is one code: equality lets an index on (region, issue date) give the order.
        if len(filters.region) == 6:
            qs = qs.filter(region_code=filters.region)
        elif prefix:
            qs = qs.filter(within_region(filters.region))
    for name, lookup in (("issued_from", "issued_on__gte"), ("issued_to", "issued_on__lte"),
                         ("expires_from", "expires_on__gte"), ("expires_to", "expires_on__lte")):
        if getattr(filters, name):
            qs = qs.filter(**{lookup: getattr(filters, name)})
    if filters.holder_code:
        qs = qs.filter(holder_uscc=filters.holder_code)
    elif filters.holder_code_prefix:
        qs = qs.filter(_prefix_q("holder_uscc", filters.holder_code_prefix))
    return qs


def _check_depth(filters: CertificateFilters) -> None:
    if (filters.page - 1) * filters.page_size >= COUNT_CAP:
        raise ValidationFailed(FieldError(
            "page", f"Pages go as far as the first {COUNT_CAP:,} results; narrow the filters (region, scheme, "
                    "dates) to see the others, or export them.", "too_deep"))


def _loaded(ids: list[int], today: dt.date) -> list[Certificate]:
    by_id = Certificate.objects.select_related("scheme", "body").in_bulk(ids)
    return annotate_status([by_id[i] for i in ids if i in by_id], today)


def _lagging_ids(part: Part) -> list[int] | None:
    """The ids of the certificates in a lagging part, read through the part's own (status,
    date) index; None when there are more than LAG_CAP (the job is not running)."""
    # The ids are read first: as a subquery under an ordered LIMIT, PostgreSQL's planner would
    # walk the whole issue-date index testing each row against it, expecting many matches.
    ids = list(Certificate.objects.filter(part.condition).order_by(part.order)
               .values_list("pk", flat=True)[:LAG_CAP + 1])
    return None if len(ids) > LAG_CAP else ids


def _lagging(qs: QuerySet[Certificate], part: Part) -> QuerySet[Certificate]:
    """The certificates of `qs` in a lagging part: normally few, by their ids, then narrowed by
    the other filters; when there are many, the part as a plain filter."""
    ids = _lagging_ids(part)
    if ids is None:
        return qs.filter(part.condition)
    return qs.filter(pk__in=ids) if ids else qs.none()


def _recorded(plan: StatusPlan) -> Q:
    """The certificates recorded with the plan's status and still in it today: the recorded
    status less the few lagging ones, left out by id. (As the plan's date conditions instead,
    PostgreSQL's planner expects them to leave few rows, reads every row of the status and
    sorts them: seconds at national size.)"""
    recorded = Q(status=plan.recorded)
    for part in plan.minus:
        ids = _lagging_ids(part)
        if ids is None:
            return Q(status=plan.recorded) & plan.keep
        if ids:
            recorded &= ~Q(pk__in=ids)
    return recorded


def _capped(qs: QuerySet[Certificate]) -> int:
    return qs.order_by().values("pk")[:COUNT_CAP + 1].count()


@dataclass(frozen=True)
class _Order:
    """The order of a page: a date column and the id, newest first or soonest first."""

    column: str
    descending: bool

    def fields(self) -> tuple[str, str]:
        sign = "-" if self.descending else ""
        return f"{sign}{self.column}", f"{sign}id"


NEWEST_ISSUE = _Order("issued_on", descending=True)
SOONEST_EXPIRY = _Order("expires_on", descending=False)


def _walks_region(filters: CertificateFilters) -> bool:
    """Whether a page is read with the region prefix as a plain condition. SQLite answers a
    province's or a city's range of codes from the (region, …, issue date) indexes, but the
    range then cannot give the issue order: it reads every certificate of the province (150 ms
    for Jiangsu at 5 million) to sort them. Tested row by row while walking an index in the
    page's order, a prefix that matches one certificate in ten or in a hundred fills a page
    within a few thousand rows; the count still takes the range."""
    return connection.vendor == "sqlite" and bool(filters.region) and len(filters.region) < 6


def _in_order(qs: QuerySet[Certificate], order: _Order, end: int, walk: QuerySet[Certificate] | None = None
              ) -> tuple[list[tuple[dt.date, int]], int]:
    """The first `end` (date, id) of `qs` in `order`, and how many there are (capped). They are
    counted first: when there are few, they are read whole and sorted here, so that no walk of
    an index in that order can go wrong (other filters whose matches all lie at one end of it:
    the planner takes columns as unrelated and expects them spread evenly). Otherwise an index
    ending in the order's columns gives the page (read from `walk`, the same rows said another
    way, when given)."""
    total = _capped(qs)
    if total <= READ_WHOLE:
        rows = sorted(qs.order_by().values_list(order.column, "pk"), reverse=order.descending)
        return rows[:end], len(rows)
    source = qs if walk is None else walk
    return list(source.order_by(*order.fields()).values_list(order.column, "pk")[:end]), total


def page_order(filters: CertificateFilters) -> _Order:
    """Newest issue first; with an expiry window, soonest expiry first (what a search by
    expiry is for, and the order of the (status, expiry date, region) index: in issue order, the
    certificates expiring in a window lie together far down, where no index walk finds them
    quickly)."""
    return SOONEST_EXPIRY if filters.expires_from or filters.expires_to else NEWEST_ISSUE


def _paged(qs: QuerySet[Certificate], filters: CertificateFilters, today: dt.date) -> Page[Certificate]:
    """One page, in `page_order`, and the total, from `qs` (the filters of `_filtered`, a
    region prefix left out). With a status filter: the recorded status's rows, merged with the
    few rows the scheduled job has not updated yet."""
    start, end = (filters.page - 1) * filters.page_size, filters.page * filters.page_size
    order = page_order(filters)
    plan = status_plan(filters.status, today) if filters.status else None
    if plan is not None and plan.recorded in LIVE and (filters.expires_from or filters.expires_to):
        # Valid or suspended today means not expired: said outright, the expiry window is a
        # closed range of the (status, expiry date, region) index.
        qs = qs.filter(expires_on__gte=today)
    walk = None
    if filters.region and len(filters.region) < 6:
        if _walks_region(filters):
            walk = qs.alias(region_part=Substr("region_code", 1, len(filters.region))).filter(
                region_part=filters.region)
        qs = qs.filter(within_region(filters.region))
    if plan is not None:
        recorded = _recorded(plan)
        walk = walk.filter(recorded) if walk is not None else None
    rows, total = _in_order(qs.filter(recorded) if plan else qs, order, end, walk)
    for part in plan.plus if plan else ():
        extra = _lagging(qs, part)
        got, count = _in_order(extra, order, end)
        rows += got
        total += count
    rows.sort(reverse=order.descending)
    ids = [pk for _date, pk in rows[start:end]]
    return Page(_loaded(ids, today), min(total, COUNT_CAP), filters.page, filters.page_size, total > COUNT_CAP)


def _ranked_by_holder_name(qs: QuerySet[Certificate], filters: CertificateFilters, want: int
                           ) -> tuple[list[int], bool]:
    """The ids of the certificates of the organizations whose name contains `q` (the
    registry's bigram search, best matching organizations first), each organization's newest
    first, at least `want` of them when there are; and whether there may be more. The
    organizations are read a window at a time (a common name part matches hundreds of
    thousands), up to `NAME_ORG_CAP`."""
    orgs = Organization.objects.all()
    if filters.region:
        # The name index narrows itself to the region given this way.
        orgs = orgs.filter(within_region(filters.region))
    rows: list[tuple[int, int, int]] = []
    offset, window = 0, max(NAME_ORG_WINDOW, want)
    while True:
        found = organization_ids_matching(filters.q or "", orgs, offset=offset, limit=window)
        rank = {org_id: offset + i for i, org_id in enumerate(found.ids)}
        rows += [(rank[holder], -issued.toordinal(), -pk) for pk, holder, issued in
                 qs.filter(holder_id__in=found.ids).order_by().values_list("pk", "holder_id", "issued_on")]
        offset += len(found.ids)
        if len(found.ids) < window or (offset >= found.total and not found.total_is_lower_bound):
            more = False
            break
        if len(rows) >= want or offset >= NAME_ORG_CAP:
            more = True
            break
        window = min(window * 4, NAME_ORG_CAP - offset)
    rows.sort()
    return [-r[2] for r in rows], more


def _by_holder_name(qs: QuerySet[Certificate], filters: CertificateFilters, today: dt.date) -> Page[Certificate]:
    start = (filters.page - 1) * filters.page_size
    ids, more = _ranked_by_holder_name(qs, filters, want=start + filters.page_size + 1)
    return Page(_loaded(ids[start:start + filters.page_size], today), len(ids), filters.page, filters.page_size,
                more)


def certificate_search(*, filters: CertificateFilters, today: dt.date | None = None) -> Page[Certificate]:
    """The public search: every filter of `CertificateFilters`, newest issue first (for a
    holder name: best matching holders first). Each certificate carries `status_today`."""
    today = today or timezone.localdate()
    _check_depth(filters)
    qs = _filtered(filters, today, prefix=False)
    if qs is None:
        return Page([], 0, filters.page, filters.page_size)
    if filters.q and not (filters.holder_code or filters.holder_code_prefix):
        if filters.region and len(filters.region) < 6:
            qs = qs.filter(within_region(filters.region))
        if filters.status:
            qs = qs.filter(effective_status_q(filters.status, today))
        return _by_holder_name(qs, filters, today)
    return _paged(qs, filters, today)


def certificates_of_body(*, body: CertificationBody, filters: CertificateFilters,
                         today: dt.date | None = None) -> Page[Certificate]:
    """A body's certificates, with the same filters as the search (the body filter is fixed)."""
    return certificate_search(filters=filters.model_copy(update={"body": str(body.pk)}), today=today)


@dataclass
class OrganizationCertificates:
    organization: Organization
    certificates: list[Certificate]
    counts: dict[str, int] = field(default_factory=dict)


def certificates_of_organization(*, organization: Organization, today: dt.date | None = None,
                                 limit: int = 500) -> OrganizationCertificates:
    """Every certificate an organization holds or held (at most `limit`, the live ones
    first), with counts by status today."""
    today = today or timezone.localdate()
    certs = list(Certificate.objects.filter(holder=organization).select_related("scheme", "body")
                 .order_by("-issued_on", "-id")[:limit])
    annotate_status(certs, today)
    order = {s: i for i, s in enumerate(CertificateStatus.values)}
    certs.sort(key=lambda c: (order[status_today(c)], -c.issued_on.toordinal(), -c.pk))
    counts: dict[str, int] = {}
    for cert in certs:
        counts[status_today(cert)] = counts.get(status_today(cert), 0) + 1
    return OrganizationCertificates(organization, certs, counts)


# --- one certificate -------------------------------------------------------------------------

def certificate_get(*, pk: int, today: dt.date | None = None) -> Certificate:
    """One certificate with what its public page shows; NotFound when there is none."""
    cert = (Certificate.objects.select_related("scheme", "body", "body__region", "holder", "transferred_from",
                                               "transferred_from__body")
            .filter(pk=pk).first())
    if cert is None:
        raise NotFound(f"No certificate with id {pk}.")
    annotate_status([cert], today or timezone.localdate())
    return cert


def public_events(cert: Certificate) -> list[TrailEvent]:
    """The public trail, read from the certificate's history records (`trail.py`): what
    happened, when, why, who signed (not who typed it in). Each event has `before_label` and
    `after_label`, the statuses in words."""
    return trail_of(cert.pk)


PUBLIC_EVENT_DETAILS = ("until", "issued_on", "expires_on", "scope_text", "scope_codes")


def public_event(event: TrailEvent) -> dict[str, Any]:
    details = {k: v for k, v in (event.details or {}).items() if k in PUBLIC_EVENT_DETAILS}
    return {"seq": event.seq, "kind": event.kind, "label": str(event.get_kind_display()),
            "occurred_on": event.occurred_on, "reported_on": timezone.localtime(event.reported_at).date(),
            "delay_days": event.delay_days, "status_before": event.status_before or None,
            "status_after": event.status_after, "reason": event.reason, "signed_by": event.signed_by,
            "details": details}


def public_record(cert: Certificate) -> dict[str, Any]:
    """The public fields of a certificate (API and exports). `status_today` must be set."""
    scheme, body = cert.scheme, cert.body
    return {
        "id": cert.pk, "number": cert.number,
        "scheme": {"code": scheme.code, "name": scheme.name, "name_en": scheme.name_en},
        "body": {"id": body.pk, "approval_no": body.approval_no, "name": body.name, "name_en": body.name_en},
        "holder": {"name": cert.holder_name, "uscc": cert.holder_uscc, "organization_id": cert.holder_id},
        "region_code": cert.region_code,
        "status": status_today(cert), "status_label": status_today_label(cert),
        "status_computed": status_today_why(cert) or None, "recorded_status": cert.status,
        "status_reason": cert.status_reason, "status_changed_on": cert.status_changed_on,
        "suspended_until": cert.suspended_until,
        "first_issued_on": cert.first_issued_on, "issued_on": cert.issued_on, "expires_on": cert.expires_on,
        "last_surveillance_on": cert.last_surveillance_on, "next_surveillance_due": cert.next_surveillance_due,
        "standards": cert.standards, "scope_text": cert.scope_text, "scope_codes": list(cert.scope_codes or []),
        "products": list(cert.products or []), "sites": list(cert.sites or []),
        "manufacturer": cert.manufacturer, "factory": cert.factory, "factory_address": cert.factory_address,
        "signed_by": cert.signed_by, "reported_at": cert.reported_at,
    }


EXPORT_COLUMNS = (
    ("number", "证书编号"), ("scheme", "认证制度"), ("body_approval_no", "发证机构批准号"), ("body", "发证机构"),
    ("holder", "获证组织"), ("holder_uscc", "统一社会信用代码"), ("region_code", "区划代码"),
    ("status", "状态"), ("status_reason", "状态原因"), ("suspended_until", "暂停截止日期"),
    ("first_issued_on", "初次发证日期"), ("issued_on", "本次发证日期"), ("expires_on", "有效期至"),
    ("standards", "认证依据"), ("scope_text", "认证范围"), ("scope_codes", "范围代码"),
)


def export_rows(*, filters: CertificateFilters, today: dt.date | None = None, cap: int = EXPORT_CAP):
    """The public fields of every certificate the filters match (at most `cap`), as rows in
    `EXPORT_COLUMNS` order, read in batches. A holder-name search exports its ranked matches."""
    today = today or timezone.localdate()
    qs = _filtered(filters, today)
    if qs is None:
        return
    if filters.status:
        qs = qs.filter(effective_status_q(filters.status, today))
    if filters.q and not (filters.holder_code or filters.holder_code_prefix):
        ids = _ranked_by_holder_name(qs, filters, want=cap)[0][:cap]
    else:
        ids = list(qs.order_by(*page_order(filters).fields()).values_list("pk", flat=True)[:cap])
    for i in range(0, len(ids), 1000):
        yield from (_export_row(c) for c in _loaded(ids[i:i + 1000], today))


def _export_row(cert: Certificate) -> list[Any]:
    return [cert.number, cert.scheme.code, cert.body.approval_no, cert.body.name, cert.holder_name,
            cert.holder_uscc, cert.region_code, status_today_label(cert), cert.status_reason,
            cert.suspended_until, cert.first_issued_on, cert.issued_on, cert.expires_on, cert.standards,
            cert.scope_text, ";".join(str(c) for c in cert.scope_codes or [])]


# --- verification --------------------------------------------------------------------------
# The outcomes, from the buyer's point of view (docs/verification.md explains each).
VALID, NOT_VALID, MISMATCH, NOT_FOUND, SEVERAL = "valid", "not_valid", "mismatch", "not_found", "several"
# The register's row disagrees with what the transparency log records for it: changed around
# the services. Never answered as valid.
INCONSISTENT = "inconsistent"
# How the holder (or the scope) she typed compares with the certificate.
EXACT, FORMER_NAME, PARTIAL, DIFFERENT, NOT_GIVEN = "exact", "former_name", "partial", "mismatch", "not_given"
COVERED, NOT_COVERED = "covered", "not_covered"
EXPIRES_SOON_DAYS = 30


@dataclass
class HolderMatch:
    result: str
    given: str = ""
    matched: str = ""
    closest: str = ""
    similarity: float | None = None


@dataclass
class ScopeMatch:
    result: str
    given: str = ""
    matched: str = ""


@dataclass
class ApprovalCheck:
    """Whether the body was approved for the certificate's scheme and scope codes on the day
    of this issue, and is today."""

    body_status: str
    body_status_label: str
    scheme_at_issue: bool
    scheme_today: bool
    outside_at_issue: list[str]
    outside_today: list[str]
    body_approved_at_issue: bool
    body_approved_today: bool

    @property
    def at_issue(self) -> bool:
        return self.body_approved_at_issue and self.scheme_at_issue and not self.outside_at_issue

    @property
    def today(self) -> bool:
        return self.body_approved_today and self.scheme_today and not self.outside_today


@dataclass
class CertificateCheck:
    certificate: Certificate
    approval: ApprovalCheck
    holder: HolderMatch
    scope: ScopeMatch
    events: list[TrailEvent]
    former_names: list[str]
    successor: Certificate | None = None
    warnings: list[str] = field(default_factory=list)
    # When a key that signed this certificate's e-certificate was reported compromised.
    key_compromised_since: dt.datetime | None = None
    # The log index of the certificate's latest event, and how the register's rows (the
    # certificate, its body, its holder) disagree with the log, if they do.
    log_index: int | None = None
    log_problems: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return status_today(self.certificate)

    @property
    def valid_today(self) -> bool:
        # A certificate awaiting the confirmation of a transfer is still in force.
        return self.status in IN_FORCE


@dataclass
class Verdict:
    outcome: str
    number: str
    checked_on: dt.date
    holder_given: str | None
    scope_given: str | None
    checks: list[CertificateCheck] = field(default_factory=list)
    # Certificates with this number at other bodies, left out because their holder differs.
    others: int = 0
    # Not found, holder given: organizations of the register named like it, with their
    # number of certificates.
    suggestions: list[tuple[Organization, int]] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.checks)

    @property
    def check(self) -> CertificateCheck | None:
        return self.checks[0] if len(self.checks) == 1 else None


def name_key(text: str) -> str:
    """A name compared as people mean it: half-width, lower case, letters, digits and
    Chinese characters only (brackets, spaces and punctuation dropped)."""
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKC", text or "").lower() if ch.isalnum())


def _ratio(a: str, b: str) -> float:
    from difflib import SequenceMatcher

    return round(SequenceMatcher(None, a, b).ratio(), 2)


def _holder_match(cert: Certificate, given: str | None, former: list[str]) -> HolderMatch:
    if not given:
        return HolderMatch(NOT_GIVEN)
    code = normalise_code(given)
    if USCC_FULL.match(code):
        if code == cert.holder_uscc:
            return HolderMatch(EXACT, given, cert.holder_uscc)
        return HolderMatch(DIFFERENT, given, closest=cert.holder_uscc, similarity=_ratio(code, cert.holder_uscc))
    key = name_key(given)
    current = [n for n in (cert.holder_name, cert.holder.name, cert.holder.name_en) if n]
    for name in current:
        if name_key(name) == key:
            return HolderMatch(EXACT, given, name)
    for name in former:
        if name_key(name) == key:
            return HolderMatch(FORMER_NAME, given, name)
    names = current + former
    closest = max(names, key=lambda n: _ratio(key, name_key(n)))
    similarity = _ratio(key, name_key(closest))
    if len(key) >= 2 and any(key in name_key(n) for n in names):
        part_of = next(n for n in names if key in name_key(n))
        return HolderMatch(PARTIAL, given, part_of, part_of, similarity)
    return HolderMatch(DIFFERENT, given, closest=closest, similarity=similarity)


def _scope_texts(cert: Certificate) -> list[str]:
    texts = [cert.scope_text, cert.standards]
    for item in list(cert.products or []) + list(cert.sites or []):
        texts.extend(str(v) for v in (item.values() if isinstance(item, dict) else [item]))
    return texts


def _scope_match(cert: Certificate, given: str | None) -> ScopeMatch:
    if not given:
        return ScopeMatch(NOT_GIVEN)
    key = name_key(given)
    for code in cert.scope_codes or []:
        text = str(code)
        if name_key(text) == key or (key.isdigit() and text.isdigit() and int(key) == int(text)):
            return ScopeMatch(COVERED, given, text)
    for text in _scope_texts(cert):
        if key and key in name_key(text):
            return ScopeMatch(COVERED, given, text)
    return ScopeMatch(NOT_COVERED, given)


def _covered(scopes: Sequence[tuple[dt.date, dt.date | None, int | None, str]], codes: list[str], day: dt.date
             ) -> tuple[bool, list[str]]:
    """(the scheme was approved on `day`, the codes outside the approval then); `scopes` are
    (granted on, withdrawn on, IAF sector number, CCC product code)."""
    active = [s for s in scopes if s[0] <= day and (s[1] is None or s[1] > day)]
    if not active:
        return False, []
    if any(sector is None and not product for _g, _w, sector, product in active):
        return True, []
    allowed = {str(sector) for _g, _w, sector, _p in active if sector is not None}
    allowed |= {product for _g, _w, _s, product in active if product}
    return True, [c for c in codes if c not in allowed]


def approval_check(cert: Certificate, today: dt.date) -> ApprovalCheck:
    from certinel.registry.models import BodyScope

    body = cert.body
    # Plain values: a body may hold hundreds of scopes (CCC products) for one scheme.
    scopes = list(BodyScope.objects.filter(body_id=body.pk, scheme_id=cert.scheme_id)
                  .values_list("granted_on", "withdrawn_on", "iaf_sector__number", "ccc_product_code"))
    codes = [str(c) for c in cert.scope_codes or []]
    scheme_then, outside_then = _covered(scopes, codes, cert.issued_on)
    scheme_now, outside_now = _covered(scopes, codes, today)
    approved_now = body.status == "approved" and (body.approval_valid_until is None
                                                 or body.approval_valid_until >= today)
    return ApprovalCheck(body.status, str(body.get_status_display()), scheme_then, scheme_now, outside_then,
                         outside_now, body.approval_date <= cert.issued_on, approved_now)


def _warnings(check: CertificateCheck, today: dt.date) -> list[str]:
    from django.conf import settings

    cert, out = check.certificate, []
    if check.holder.result == PARTIAL:
        out.append("holder_partial")
    if check.holder.result == FORMER_NAME:
        out.append("holder_former_name")
    if not check.approval.at_issue:
        out.append("body_not_approved_at_issue")
    if not check.approval.today and check.valid_today:
        out.append("body_not_approved_today")
    if check.valid_today and (cert.expires_on - today).days <= EXPIRES_SOON_DAYS:
        out.append("expires_soon")
    issued = next((e for e in check.events if e.kind == "issued"), None)
    if issued is not None and issued.delay_days > settings.CERTINEL_REPORTING_DEADLINE_DAYS:
        out.append("reported_late")
    if check.successor is not None:
        out.append("transfer_pending" if cert.status == CertificateStatus.TRANSFER_PENDING else "transferred")
    if check.key_compromised_since is not None:
        out.append("ecert_key_compromised")
    return out


def ecert_key_compromised_since(cert: Certificate) -> dt.datetime | None:
    """When a key that signed one of the certificate's e-certificates was reported compromised."""
    from certinel.credentials.selectors import compromised_key_since

    ids = CertificateCredential.objects.filter(certificate=cert).values("credential_id")  # a subquery
    return compromised_key_since(credential_ids=ids)


def successor_of(cert: Certificate, today: dt.date) -> Certificate | None:
    """The certificate another body issued when this one's holder moved there (or is moving:
    the transfer awaits confirmation); not one whose transfer was refused or withdrawn."""
    if cert.status not in (CertificateStatus.CANCELLED, CertificateStatus.TRANSFER_PENDING):
        return None
    successor = (Certificate.objects.filter(transferred_from=cert).select_related("body", "scheme")
                 .exclude(pk__in=CertificateTransfer.objects.filter(source=cert, state__in=TRANSFER_NOT_MADE)
                          .values("target_id")).first())
    return annotate_status([successor], today)[0] if successor is not None else None


def _check(cert: Certificate, holder: str | None, scope: str | None, today: dt.date) -> CertificateCheck:
    former = list(cert.holder.former_names.values_list("name", flat=True))
    check = CertificateCheck(cert, approval_check(cert, today), _holder_match(cert, holder, former),
                             _scope_match(cert, scope), public_events(cert), former, successor_of(cert, today),
                             key_compromised_since=(ecert_key_compromised_since(cert)
                                                    if getattr(cert, "has_ecert", True) else None))
    check.warnings = _warnings(check, today)
    check.log_index, check.log_problems = log_agreement(cert)
    return check


def log_agreement(cert: Certificate) -> tuple[int | None, list[str]]:
    """The log index of the certificate's latest event, and how the rows a verification answer
    is read from (the certificate, its body, its holder) disagree with what the transparency
    log records for them (nothing, when all is well)."""
    from certinel.transparency.register import check_object

    state, problems = check_object(cert)
    for related in (cert.body, cert.holder):
        problems += check_object(related)[1]
    return (state.last_index if state is not None else None), [str(p) for p in problems if p.kind != "private"]


def _suggestions(holder: str | None) -> list[tuple[Organization, int]]:
    """Organizations of the register named like (or coded as) the holder she typed."""
    if not holder:
        return []
    code = normalise_code(holder)
    if USCC_FULL.match(code):
        ids = list(Organization.objects.filter(uscc=code).values_list("pk", flat=True))
    else:
        try:
            ids = organization_ids_matching(holder, Organization.objects.all(), offset=0, limit=5).ids
        except ValueError:
            return []
    counts = dict(Certificate.objects.filter(holder_id__in=ids).order_by().values("holder_id")
                  .annotate(n=Count("pk")).values_list("holder_id", "n"))
    orgs = Organization.objects.in_bulk(ids)
    return [(orgs[i], counts.get(i, 0)) for i in ids if i in orgs]


def verification_question(number: str, holder_name: str | None = None, scope: str | None = None
                          ) -> tuple[str, str | None, str | None]:
    """The question as the verification answers it: the number normalised, the holder and
    scope stripped (None when empty)."""
    return normalise_number(number), (holder_name or "").strip() or None, (scope or "").strip() or None


def certificate_for_verification(number: str, holder_name: str | None = None, scope: str | None = None, *,
                                 today: dt.date | None = None) -> Verdict:
    """The verdict on a certificate number, as a buyer checks it: found or not (or found at
    several bodies); its status today with dates and reason; its body and whether the body's
    approval covered the certificate's scheme and scope codes on the day of issue and today;
    whether the holder (and the scope) she expects match; and its public trail."""
    today = today or timezone.localdate()
    number, holder_name, scope = verification_question(number, holder_name, scope)
    verdict = Verdict(NOT_FOUND, number, today, holder_name, scope)
    # `has_ecert`: most certificates never had an e-certificate, and need no key check.
    certs = list(Certificate.objects.filter(number__in=number_variants(number))
                 .select_related("scheme", "body", "holder").order_by("body__approval_no", "pk")
                 .annotate(has_ecert=Exists(CertificateCredential.objects.filter(certificate=OuterRef("pk")))))
    if not certs:
        verdict.suggestions = _suggestions(holder_name)
        return verdict
    annotate_status(certs, today)
    checks = [_check(c, holder_name, scope, today) for c in certs]
    if len(checks) > 1:
        if holder_name is None:
            verdict.outcome, verdict.checks = SEVERAL, checks
            return verdict
        matching = [c for c in checks if c.holder.result in (EXACT, FORMER_NAME)]
        if len(matching) != 1:
            verdict.outcome, verdict.checks = (SEVERAL if matching else MISMATCH), matching or checks
            return verdict
        verdict.others, checks = len(checks) - 1, matching
    check = checks[0]
    verdict.checks = checks
    if check.log_problems:
        verdict.outcome = INCONSISTENT
    elif check.holder.result == DIFFERENT or check.scope.result == NOT_COVERED:
        verdict.outcome = MISMATCH
    else:
        verdict.outcome = VALID if check.valid_today else NOT_VALID
    return verdict
