"""What a demo organization can be certified for, and by whom: a holder's profile
(`industries.py`) gives the schemes that fit its line of business and, for each, the scope
codes and scope text; the bodies' approved scopes say which bodies may certify that.

An `Offer` is one certificate's content before dates and status: scheme, scope codes, scope
text, products. `Approvals` answers which approved bodies may issue it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from certinel.reference.models import CCCEdition, IAFSector, Scheme
from certinel.registry.models import BodyScope, CertificationBody

from .context import AS_OF
from .industries import Profile, iaf_sectors, management_scope

WHOLE = None  # a body approved for a whole scheme (no codes named)
MODEL_LETTERS = "ABCDEFGHJKLMNPRSTWXYZ"


@dataclass
class Offer:
    scheme: Scheme
    codes: list[str]
    scope_text: str
    products: list[dict[str, Any]] = field(default_factory=list)
    # A management-system offer naming secondary sectors too: its main sectors alone.
    narrower: list[str] = field(default_factory=list)


class Catalogue:
    """The reference facts the offers are made from: schemes with their standards, the IAF
    sectors of each NACE code, the CCC products that take certification (not
    self-declaration) with their names."""

    def __init__(self) -> None:
        self.schemes = {s.code: s for s in Scheme.objects.prefetch_related("standards")}
        self.standards = {code: ", ".join(st.code for st in s.standards.all()[:2]) for code, s in self.schemes.items()}
        self._iaf = dict(IAFSector.objects.values_list("number", "nace"))
        self._sectors: dict[str, list[int]] = {}
        edition = CCCEdition.current(AS_OF)
        products = edition.products.filter(self_declaration=False) if edition else []
        self.ccc_names: dict[str, str] = {p.code: p.name for p in products}

    def sectors(self, nace: str) -> list[int]:
        if nace not in self._sectors:
            self._sectors[nace] = iaf_sectors(self._iaf, [nace])
        return self._sectors[nace]


def scheme_weights(profile: Profile, section: str) -> dict[str, float]:
    """How likely a firm of this profile and GB/T 4754 section (A agriculture, C
    manufacturing, E construction …) is to hold each scheme."""
    weights = {"QMS": 10.0}
    if section in ("C", "E"):
        weights |= {"EMS": 4.0, "OHSMS": 3.5}
    elif section == "A":
        weights["QMS"] = 3.0
    else:
        weights |= {"EMS": 2.0, "OHSMS": 1.8}
    if section == "C":
        weights |= {"IMS": 0.4, "QMS-GRADED": 0.3}
    weights |= dict(profile.systems)
    if profile.ccc:
        weights["CCC"] = 8.0
    for scheme in profile.products:
        weights[scheme] = 4.0 if section == "A" else 1.5
    for scheme in profile.services:
        weights[scheme] = 2.5
    if profile.boutique and section == "C":
        weights["JIANGSU-BOUTIQUE"] = 0.5
    return weights


def _models(rng: random.Random) -> list[str]:
    prefix = rng.choice(MODEL_LETTERS) + rng.choice(MODEL_LETTERS)
    return sorted({f"{prefix}-{rng.randint(10, 99) * 10}" for _ in range(rng.randint(1, 3))})


def make_offer(rng: random.Random, catalogue: Catalogue, profile: Profile, scheme_code: str) -> Offer | None:
    """One certificate's content for a holder of `profile` under the scheme (None when the
    profile gives the scheme nothing to certify)."""
    scheme = catalogue.schemes.get(scheme_code)
    if scheme is None:
        return None
    if scheme.scope_kind == "iaf":
        main = catalogue.sectors(profile.nace[0])
        codes = set(main)
        if len(profile.nace) > 1 and rng.random() < 0.25:
            for nace in profile.nace[1:]:
                codes.update(catalogue.sectors(nace))
        if not codes:
            return None
        activity = rng.choice(profile.activities)
        narrower = [str(c) for c in main] if len(codes) > len(main) else []
        return Offer(scheme, [str(c) for c in sorted(codes)], management_scope(scheme_code, activity),
                     narrower=narrower)
    if scheme.scope_kind == "ccc_product":
        available = [c for c in profile.ccc if c in catalogue.ccc_names]
        if not available:
            return None
        products = sorted(rng.sample(available, min(len(available), 2 if rng.random() < 0.2 else 1)))
        names = [catalogue.ccc_names[c] for c in products]
        return Offer(scheme, products, "；".join(names), [{"name": n, "models": _models(rng)} for n in names])
    texts = profile.products.get(scheme_code) or profile.services.get(scheme_code)
    if not texts and scheme_code == "JIANGSU-BOUTIQUE":
        texts = profile.boutique
    if not texts:
        return None
    return Offer(scheme, [], rng.choice(texts))


class Approvals:
    """The approved bodies' scopes: which may certify an offer. Bodies keep the order given
    (the first is the most popular)."""

    def __init__(self, bodies: Sequence[CertificationBody]) -> None:
        approved = set(CertificationBody.objects.filter(pk__in=[b.pk for b in bodies], status="approved")
                       .values_list("pk", flat=True))
        self.bodies = [b for b in bodies if b.pk in approved]
        self.grants: list[dict[str, frozenset[str] | None]] = []
        scopes: dict[int, list[BodyScope]] = {}
        for scope in (BodyScope.objects.filter(body__in=self.bodies, withdrawn_on__isnull=True)
                      .select_related("scheme", "iaf_sector").order_by("id")):
            scopes.setdefault(scope.body_id, []).append(scope)
        for body in self.bodies:
            by_scheme: dict[str, set[str] | None] = {}
            for scope in scopes.get(body.pk, []):
                code = (str(scope.iaf_sector.number) if scope.iaf_sector else scope.ccc_product_code) or ""
                current = by_scheme.setdefault(scope.scheme.code, set())
                if not code or current is WHOLE:
                    by_scheme[scope.scheme.code] = WHOLE
                else:
                    current.add(code)
            self.grants.append({k: (frozenset(v) if v is not None else WHOLE) for k, v in by_scheme.items()})

    def schemes(self) -> set[str]:
        return {code for grants in self.grants for code in grants}

    def may_issue(self, index: int, scheme: str, codes: Sequence[str]) -> bool:
        grants = self.grants[index]
        if scheme not in grants:
            return False
        allowed = grants[scheme]
        return allowed is WHOLE or all(c in allowed for c in codes)

    def issuers(self, scheme: str, codes: Sequence[str]) -> list[int]:
        return [i for i in range(len(self.bodies)) if self.may_issue(i, scheme, codes)]

    def choose(self, rng: random.Random, offer: Offer) -> CertificationBody | None:
        """A body approved for the offer, the popular ones more often; when no body covers
        the secondary sectors of a management-system offer too, the offer is narrowed to its
        main sectors."""
        scheme = offer.scheme.code
        issuers = self.issuers(scheme, offer.codes)
        if not issuers and offer.narrower:
            offer.codes, offer.narrower = offer.narrower, []
            issuers = self.issuers(scheme, offer.codes)
        if not issuers:
            return None
        if rng.random() < 0.6:
            return self.bodies[issuers[min(int(rng.paretovariate(1.2)) - 1, len(issuers) - 1)]]
        return self.bodies[rng.choice(issuers)]


def weighted_schemes(weights: Mapping[str, float], offered: set[str]) -> tuple[list[str], list[float]]:
    codes = sorted(c for c in weights if c in offered)
    return codes, [weights[c] for c in codes]
