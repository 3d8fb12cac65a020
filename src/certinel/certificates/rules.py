"""The checks a certificate must pass when a body reports it, each with an error that names
the field and says what is wrong. One `ReportingRules` serves a whole batch: what the checks
need (schemes, the body's approved scopes, the CCC catalogue) is looked up once."""

from __future__ import annotations

import datetime as dt
import re
from functools import cached_property

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from certinel.core.dates import add_months
from certinel.core.errors import ErrorList
from certinel.core.transitions import state_label
from certinel.reference.choices import ScopeKind
from certinel.reference.models import CCCEdition, CCCProduct, Scheme
from certinel.registry.models import BodyScope, CertificationBody

from .choices import REPORTED_STATUSES, CertificateStatus
from .data import CertificateData

_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z()（）/._\- ]{2,63}$")
_SIGNER = re.compile(r"^\S.{0,63}$")
_STATUSES = tuple(str(s) for s in REPORTED_STATUSES)  # the statuses a body reports ("transfer pending" is not)
# A body approved for a whole scheme, not for listed scope codes (compared by identity).
WHOLE_SCHEME: frozenset[str] = frozenset({"*"})


def _scheme_name(scheme: Scheme) -> str:
    """The scheme's name in the active language (Chinese unless English is active)."""
    english = (get_language() or "").startswith("en")
    return scheme.name_en if english and scheme.name_en else scheme.name


class ReportingRules:
    def __init__(self, *, today: dt.date | None = None) -> None:
        self.today = today or timezone.localdate()
        self.deadline_days = settings.CERTINEL_REPORTING_DEADLINE_DAYS
        self._scopes: dict[int, list[BodyScope]] = {}
        self._grants: dict[tuple[int, int], frozenset[str] | None] = {}

    # --- look-ups, once per batch ----------------------------------------------------------

    @cached_property
    def schemes(self) -> dict[str, Scheme]:
        return {s.code.upper(): s for s in Scheme.objects.all()}

    @cached_property
    def ccc_editions(self) -> list[tuple[CCCEdition, set[str]]]:
        codes: dict[int, set[str]] = {}
        for product in CCCProduct.objects.only("edition_id", "code", "codes"):
            # A product may stand for several codes (低压元器件: 0302 … 0309).
            codes.setdefault(product.edition_id, set()).update(product.code_list)
        return [(e, codes.get(e.pk, set())) for e in CCCEdition.objects.order_by("effective_from")]

    def ccc_codes_on(self, day: dt.date) -> tuple[CCCEdition | None, set[str]]:
        """The catalogue edition in force on a day and its product codes."""
        current: tuple[CCCEdition | None, set[str]] = (None, set())
        for edition, codes in self.ccc_editions:
            if edition.effective_from <= day:
                current = (edition, codes)
        return current

    @cached_property
    def region_codes(self) -> set[str]:
        from certinel.reference.models import Region

        return set(Region.objects.current(self.today).values_list("code", flat=True))

    def scopes_of(self, body: CertificationBody) -> list[BodyScope]:
        if body.pk not in self._scopes:
            self._scopes[body.pk] = list(BodyScope.objects.filter(body=body).select_related("scheme", "iaf_sector"))
        return self._scopes[body.pk]

    # --- checks ----------------------------------------------------------------------------

    def scheme(self, errors: ErrorList, data: CertificateData) -> Scheme | None:
        scheme = self.schemes.get((data.scheme or "").strip().upper())
        if scheme is None:
            errors.add("scheme", _("'%(code)s' is not a known certification scheme code (e.g. CCC, QMS, EMS).")
                       % {"code": data.scheme or ""}, "unknown_scheme", data.row)
        elif not scheme.active:
            errors.add("scheme", _("Scheme %(scheme)s is no longer in use; no new certificates can be reported "
                                   "under it.") % {"scheme": scheme.code}, "scheme_inactive", data.row)
            return None
        return scheme

    def check_identity(self, errors: ErrorList, data: CertificateData, scheme: Scheme | None) -> None:
        from certinel.reference import identifiers

        row = data.row
        if not _NUMBER.match(data.number or ""):
            errors.add("number", _("A certificate number has 3–64 letters, digits and the signs ( ) / . _ - and "
                                   "starts with a letter or digit."), "invalid_number", row)
        elif scheme is not None and scheme.code == "CCC":
            try:
                identifiers.validate_ccc_number(data.number)
            except identifiers.IdentifierError as exc:
                errors.add("number", exc.localized(), "invalid_number", row)
        elif scheme is not None and scheme.number_pattern and not re.fullmatch(scheme.number_pattern, data.number):
            errors.add("number", _("Certificate numbers of %(scheme)s must match %(pattern)s.")
                       % {"scheme": scheme.code, "pattern": scheme.number_pattern}, "invalid_number", row)
        try:
            identifiers.validate_uscc(data.holder_uscc)
        except identifiers.IdentifierError as exc:
            errors.add("holder_uscc", exc.localized(), "invalid_identifier", row)
        if not (data.holder_name or "").strip():
            errors.add("holder_name", _("The holder's name as printed on the certificate is required."), "required",
                       row)
        if not _SIGNER.match(data.signed_by or ""):
            errors.add("signed_by", _("Name the person who signed (who signs is accountable)."), "required", row)
        if not (data.scope_text or "").strip():
            errors.add("scope_text", _("The scope of certification is required."), "required", row)

    def check_dates(self, errors: ErrorList, data: CertificateData, scheme: Scheme | None) -> None:
        row = data.row
        first = data.first_issued_on or data.issued_on
        if first > data.issued_on:
            errors.add("first_issued_on", _("The first issue cannot come after this issue."), "date_order", row)
        if data.issued_on > self.today:
            errors.add("issued_on", _("A certificate cannot be issued in the future."), "future_date", row)
        if data.expires_on <= data.issued_on:
            errors.add("expires_on", _("The certificate must expire after it is issued."), "date_order", row)
        elif scheme is not None and data.expires_on > add_months(data.issued_on, scheme.validity_months):
            errors.add("expires_on", _("%(scheme)s certificates are valid for at most %(months)s months: from "
                                       "%(issued)s at most until %(latest)s.")
                       % {"scheme": scheme.code, "months": scheme.validity_months, "issued": data.issued_on,
                          "latest": add_months(data.issued_on, scheme.validity_months)}, "too_long", row)
        for name in ("status_date", "last_surveillance_on"):
            value = getattr(data, name)
            if value is not None and value > self.today:
                errors.add(name, _("This date lies in the future."), "future_date", row)
            if value is not None and value < first:
                errors.add(name, _("This date comes before the certificate was first issued."), "date_order", row)

    def check_status(self, errors: ErrorList, data: CertificateData, scheme: Scheme | None) -> None:
        row = data.row
        if data.status not in _STATUSES:
            errors.add("status", _("'%(value)s' must be one of: %(choices)s.")
                       % {"value": data.status, "choices": ", ".join(_STATUSES)}, "invalid_choice", row)
            return
        if data.status in (CertificateStatus.VALID, CertificateStatus.SUSPENDED) and data.expires_on < self.today:
            errors.add("status", _("The certificate expired on %(date)s; report it as expired, or renew it with new "
                                   "dates.") % {"date": data.expires_on}, "expired", row)
        if data.status != CertificateStatus.VALID and not (data.status_reason or "").strip() \
                and data.status != CertificateStatus.EXPIRED:
            errors.add("status_reason", _("Say why the certificate is suspended, revoked or cancelled."), "required",
                       row)
        if data.status == CertificateStatus.SUSPENDED:
            start = data.status_date or self.today
            if data.suspended_until is None:
                errors.add("suspended_until", _("A suspension needs an end date."), "required", row)
            elif data.suspended_until <= start:
                errors.add("suspended_until", _("The suspension must end after it starts."), "date_order", row)
            elif scheme is not None and data.suspended_until > add_months(start, scheme.max_suspension_months):
                errors.add("suspended_until", _("%(scheme)s suspensions last at most %(months)s months: until "
                                                "%(latest)s at the latest.")
                           % {"scheme": scheme.code, "months": scheme.max_suspension_months,
                              "latest": add_months(start, scheme.max_suspension_months)}, "too_long", row)
        elif data.suspended_until is not None:
            errors.add("suspended_until", _("Only a suspended certificate has a suspension end date."),
                       "not_applicable", row)

    def scope_codes(self, errors: ErrorList, data: CertificateData, scheme: Scheme | None) -> list[str]:
        """The scope codes, normalised and checked for form against the scheme."""
        row = data.row
        codes = [str(c).strip() for c in data.scope_codes if str(c).strip()]
        if scheme is None:
            return codes
        if scheme.scope_kind == ScopeKind.IAF:
            normalised = []
            for code in codes:
                if not code.isdigit() or not 1 <= int(code) <= 39:
                    errors.add("scope_codes", _("'%(code)s' is not an IAF sector (1–39).") % {"code": code},
                               "unknown_sector", row)
                else:
                    normalised.append(str(int(code)))
            given = bool(codes)
            codes = sorted(set(normalised), key=int)
            if not given:
                errors.add("scope_codes", _("%(scheme)s certificates name their IAF sectors (e.g. 17;19).")
                           % {"scheme": scheme.code}, "required", row)
        elif scheme.scope_kind == ScopeKind.CCC_PRODUCT and not codes:
            errors.add("scope_codes", _("CCC certificates name their catalogue products (e.g. 0701)."), "required",
                       row)
        return codes

    def check_grant(self, errors: ErrorList, body: CertificationBody, data: CertificateData, scheme: Scheme,
                    codes: list[str], on: dt.date) -> None:
        """What issuing, renewing or changing the scope needs: the body approved for the
        scheme and these codes, and CCC products still in the catalogue in force on `on`."""
        if scheme.scope_kind == ScopeKind.CCC_PRODUCT:
            edition, in_force = self.ccc_codes_on(on)
            for code in codes:
                if code not in in_force:
                    name = edition.name if edition else _("the CCC catalogue")
                    errors.add("scope_codes", _("%(code)s is not a product of %(catalogue)s: a product outside the "
                                                "catalogue cannot get a CCC certificate.")
                               % {"code": code, "catalogue": name}, "not_in_catalogue", data.row)
        self._check_body_approved(errors, body, scheme, codes, data.row)

    def _check_body_approved(self, errors: ErrorList, body: CertificationBody, scheme: Scheme, codes: list[str],
                             row: int | None) -> None:
        if body.status != "approved":
            errors.add("body", _("%(body)s is %(status)s: it cannot issue or extend certificates.")
                       % {"body": body.name, "status": state_label(body.status, "certification body")},
                       "body_not_approved", row)
            return
        granted = self._granted(body, scheme)
        if granted is None:
            errors.add("scheme", _("%(body)s is not approved for %(scheme_name)s (%(scheme)s).")
                       % {"body": body.name, "scheme_name": _scheme_name(scheme), "scheme": scheme.code},
                       "body_not_approved_for_scheme", row)
            return
        if granted is WHOLE_SCHEME:
            return  # approved for the whole scheme
        allowed = granted
        outside = [c for c in codes if c not in allowed]
        if outside:
            errors.add("scope_codes", _("%(body)s is not approved for %(scheme)s in %(codes)s.")
                       % {"body": body.name, "scheme": scheme.code, "codes": ", ".join(outside)},
                       "body_not_approved_for_scope", row)

    def _granted(self, body: CertificationBody, scheme: Scheme) -> frozenset[str] | None:
        """The scope codes the body is approved for in the scheme (WHOLE_SCHEME when not
        limited), or None when it is not approved for the scheme at all; worked out once per
        body and scheme for a whole batch."""
        key = (body.pk, scheme.pk)
        if key not in self._grants:
            scopes = [s for s in self.scopes_of(body) if s.scheme_id == scheme.pk and s.withdrawn_on is None]
            if not scopes:
                self._grants[key] = None
            elif any(s.iaf_sector_id is None and not s.ccc_product_code for s in scopes):
                self._grants[key] = WHOLE_SCHEME
            elif scheme.scope_kind == ScopeKind.IAF:
                self._grants[key] = frozenset(str(s.iaf_sector.number) for s in scopes if s.iaf_sector_id)
            else:
                self._grants[key] = frozenset(s.ccc_product_code for s in scopes if s.ccc_product_code)
        return self._grants[key]

    def hopping_cutoff(self) -> dt.date:
        """Revocations after this day still stand against a holder moving to another body."""
        return add_months(self.today, -settings.CERTINEL_HOPPING_WAIT_MONTHS)
