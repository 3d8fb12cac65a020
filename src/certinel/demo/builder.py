"""Build the demo province: certification bodies and labs (through the services), about
20,000 organizations (the bulk path, with the same rows and history as the services), about
3,000 people (services), and one account per role (services). Deterministic for a seed;
everything inside one transaction, so an interrupted build leaves nothing behind."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from itertools import chain

from django.db import transaction

from certinel.accounts.models import Role, User
from certinel.accounts.services import user_create
from certinel.core.models import ChangeRecord
from certinel.reference.loader import WRITERS, sync_all
from certinel.registry.choices import LabStatus, SizeClass
from certinel.registry.models import CertificationBody, Lab, Organization

from .bodies import make_bodies, make_labs
from .bulk import OrganizationLoader, chunks
from .cases import make_cases
from .certificates import FULL_CERTIFICATES, make_certificates
from .context import Context, NullReporter, Reporter
from .credit import make_credit
from .organizations import Lookups, organization_specs, showcase_spec
from .people import make_people
from .places import province_book
from .qualification import make_qualification, make_reports
from .supervision import make_supervision
from .surveys import make_surveys

PROVINCE = "32"
FULL_ORGANIZATIONS = 20_000


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    password: str
    description: str
    jurisdiction_code: str = ""


# One account per role, with a known password (a demo; never for real data).
ACCOUNTS = (
    DemoAccount("demo-admin", Role.ADMIN, "demo-admin-2026", "管理员 admin"),
    DemoAccount("demo-province", Role.REGULATOR, "demo-province-2026", "省级监管 regulator", "32"),
    DemoAccount("demo-city", Role.REGULATOR, "demo-city-2026", "市级监管 regulator", "3201"),
    DemoAccount("demo-district", Role.REGULATOR, "demo-district-2026", "区级监管 regulator", "320102"),
    DemoAccount("demo-cb", Role.CB_OPERATOR, "demo-cb-2026", "认证机构 CB operator"),
    DemoAccount("demo-lab", Role.LAB_OPERATOR, "demo-lab-2026", "检验检测机构 lab operator"),
    DemoAccount("demo-org", Role.ORG_USER, "demo-org-2026", "获证组织 organization user"),
)
MARKER = ACCOUNTS[0].username


@dataclass
class Summary:
    bodies: int = 0
    scopes: int = 0
    labs: int = 0
    scope_items: int = 0
    organizations: int = 0
    sites: int = 0
    former_names: int = 0
    index_rows: int = 0
    people: int = 0
    certificates: int = 0
    listed: int = 0  # subjects on the serious-violation list
    inspection_plans: int = 0
    inspections: int = 0
    sampled_batches: int = 0
    test_reports: int = 0
    accounts: int = 0
    history: int = 0
    seconds: float = 0.0
    bound: dict[str, str] = field(default_factory=dict)


def is_built() -> bool:
    """Whether this database already holds the demo (its accounts are made last)."""
    return User.objects.filter(username=MARKER).exists()


def holds_other_data() -> bool:
    return not is_built() and (Organization.objects.exists() or CertificationBody.objects.exists())


def _scaled(full: int, scale: float, least: int) -> int:
    return max(least, round(full * scale))


def _organizations(ctx: Context, count: int, summary: Summary) -> Organization:
    """The organizations, the showcase one (the demo organization account's) first; returns
    the showcase organization."""
    loader = OrganizationLoader()
    lookups = Lookups(PROVINCE)
    showcase = showcase_spec(ctx, lookups)
    ctx.reporter.start("获证组织 organizations", count)
    specs = chain([showcase], organization_specs(ctx, count - 1, lookups, taken_names={showcase.name},
                                                 taken_codes={showcase.uscc}))
    for batch in chunks(specs, 2000):
        loader.write(batch)
        ctx.reporter.advance(len(batch))
    loader.finish()
    ctx.reporter.done()
    c = loader.counts
    summary.organizations, summary.sites, summary.former_names, summary.index_rows = (
        c.organizations, c.sites, c.former_names, c.index_rows)
    return Organization.objects.select_related("industry").get(uscc=showcase.uscc)


def _accounts(ctx: Context, bodies: list[CertificationBody], labs: list[Lab], org: Organization) -> dict[str, str]:
    """The demo accounts, bound to the sample body (the one the sample import files fit), a
    valid lab and the showcase organization (in the district of the district regulator)."""
    body = bodies[0]
    lab = next(lab for lab in labs if lab.status == LabStatus.VALID)
    bound = {}
    for account in ACCOUNTS:
        user_create(actor=ctx.actor, username=account.username, password=account.password, role=account.role,
                    jurisdiction_code=account.jurisdiction_code,
                    body=body if account.role == Role.CB_OPERATOR else None,
                    lab=lab if account.role == Role.LAB_OPERATOR else None,
                    organization=org if account.role == Role.ORG_USER else None,
                    email=f"{account.username}@certinel.example")
        owner = {Role.CB_OPERATOR: body, Role.LAB_OPERATOR: lab, Role.ORG_USER: org}.get(Role(account.role))
        bound[account.username] = str(owner) if owner is not None else account.jurisdiction_code
    return bound


def build_province(*, seed: int = 2026, organizations: int = FULL_ORGANIZATIONS,
                   reporter: Reporter | None = None) -> Summary:
    """Load the reference lists and build the demo province in one transaction."""
    started = time.perf_counter()
    reporter = reporter or NullReporter()
    summary = Summary()
    reporter.start("代码表 reference lists", len(WRITERS))
    reporter.advance(len(sync_all()))
    reporter.done()
    scale = min(1.0, organizations / FULL_ORGANIZATIONS)
    ctx = Context(random.Random(seed), province_book(PROVINCE), reporter)
    with transaction.atomic():
        bodies, summary.scopes = make_bodies(ctx, _scaled(40, scale, 8))
        labs, summary.scope_items = make_labs(ctx, _scaled(150, scale, 8))
        showcase = _organizations(ctx, organizations, summary)
        larger = list(Organization.objects.filter(size_class__in=(SizeClass.LARGE, SizeClass.MEDIUM))
                      .order_by("id").values_list("id", flat=True))
        chosen = sorted(ctx.rng.sample(larger, min(len(larger), _scaled(800, scale, 3))))
        cqo_orgs = list(Organization.objects.filter(id__in=chosen).order_by("id"))
        summary.people = make_people(ctx, bodies, labs, cqo_orgs, scale=max(scale, 0.05))
        summary.certificates = make_certificates(ctx, bodies, _scaled(FULL_CERTIFICATES, scale, 30), showcase)
        summary.bound = _accounts(ctx, bodies, labs, showcase)
        summary.listed = make_credit(ctx)
        supervised = make_supervision(ctx)
        summary.inspection_plans, summary.inspections, summary.sampled_batches = (
            supervised.plans, supervised.inspections, supervised.batches)
        make_cases(ctx)
        make_surveys(ctx, showcase=showcase)
        make_qualification(ctx)
        summary.test_reports = make_reports(ctx, next(lab for lab in labs if lab.status == LabStatus.VALID))
        # The statistics are counted from the certificates' history: built from it once here.
        from certinel.stats.refresh import stats_rebuild

        stats_rebuild()
    summary.bodies, summary.labs, summary.accounts = len(bodies), len(labs), len(ACCOUNTS)
    summary.history = ChangeRecord.objects.count()
    summary.seconds = time.perf_counter() - started
    return summary
