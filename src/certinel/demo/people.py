"""People of the demo province, through the registry services: auditors registered with the
bodies (grade, scheme, registration number), signatories of the labs, chief quality officers of
the larger organizations, quality experts, enforcement inspectors of the province, cities and
districts, and qualification reviewers by professional field. Names come from common surnames
and given names; ID numbers are valid GB 11643 numbers, which the service keeps only hashed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial

from certinel.reference.models import LabField
from certinel.registry import services
from certinel.registry.choices import AuditorGrade, PersonRoleKind
from certinel.registry.models import BodyScope, CertificationBody, Lab, Organization

from .context import AS_OF, Context
from .names import Place

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_id_number(region_code: str, birth: dt.date, sequence: int) -> str:
    """A resident ID number (GB 11643): region, birth date, sequence, check character."""
    first17 = f"{region_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


class PeopleMaker:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.ids: set[str] = set()
        self.registrations: set[str] = set()
        self.count = 0

    def person(self, place: Place):
        ctx, rng = self.ctx, self.ctx.rng
        while True:
            birth = ctx.date_between(dt.date(1962, 1, 1), dt.date(1998, 12, 31))
            id_number = make_id_number(place.code, birth, rng.randint(1, 999))
            if id_number not in self.ids:
                self.ids.add(id_number)
                break
        self.count += 1
        return services.person_create(actor=ctx.actor, name=ctx.namer.person(), id_number=id_number,
                                      phone=ctx.namer.mobile(), region_code=place.code)

    def registration(self, make) -> str:
        while True:
            value = make()
            if value not in self.registrations:
                self.registrations.add(value)
                return value

    def since(self) -> dt.date:
        return self.ctx.date_between(dt.date(2012, 1, 1), AS_OF)

    def auditors(self, body: CertificationBody, count: int) -> None:
        rng = self.ctx.rng
        schemes = sorted(set(BodyScope.objects.filter(body=body).values_list("scheme__code", flat=True)))
        grades = rng.choices(AuditorGrade.values, weights=(2, 5, 3), k=count)
        for grade in grades:
            scheme = rng.choice(schemes)
            since = self.since()
            number = self.registration(lambda since=since, scheme=scheme: (
                f"{since.year}-N1{scheme.split('-')[0]}-{rng.randint(1_000_000, 9_999_999)}"))
            person = self.person(self.ctx.place(body.region_code[:4]))
            services.person_role_add(actor=self.ctx.actor, person=person, kind=PersonRoleKind.AUDITOR, body=body,
                                     scheme_code=scheme, grade=grade, registration_no=number, valid_from=since,
                                     title="专职审核员" if rng.random() < 0.7 else "兼职审核员")

    def signatories(self, lab: Lab, count: int) -> None:
        fields = list(lab.fields.values_list("code", flat=True))
        for _ in range(count):
            person = self.person(self.ctx.place(lab.region_code[:4]))
            services.person_role_add(actor=self.ctx.actor, person=person, kind=PersonRoleKind.SIGNATORY, lab=lab,
                                     field_code=self.ctx.rng.choice(fields), title="授权签字人",
                                     valid_from=max(lab.cma_issued_on, dt.date(2012, 1, 1)))

    def cqo(self, org: Organization) -> None:
        person = self.person(self.ctx.place(org.region_code[:4]))
        services.person_role_add(actor=self.ctx.actor, person=person, kind=PersonRoleKind.CQO, organization=org,
                                 title="首席质量官", valid_from=self.since())

    def expert(self, field_code: str) -> None:
        person = self.person(self.ctx.place())
        services.person_role_add(actor=self.ctx.actor, person=person, kind=PersonRoleKind.EXPERT,
                                 field_code=field_code, title="质量专家", valid_from=self.since())

    def inspector(self, authority_code: str) -> None:
        rng = self.ctx.rng
        person = self.person(self.ctx.place(authority_code[:4] if len(authority_code) > 2 else None))
        number = self.registration(lambda: f"{authority_code.ljust(6, '0')}{rng.randint(10_000, 99_999)}")
        services.person_role_add(actor=self.ctx.actor, person=person, kind=PersonRoleKind.INSPECTOR,
                                 authority_code=authority_code, registration_no=number, title="执法检查人员",
                                 valid_from=self.since())

    def reviewer(self, field_code: str) -> None:
        rng = self.ctx.rng
        person = self.person(self.ctx.place())
        number = self.registration(lambda: f"PS32{rng.randint(100_000, 999_999)}")
        services.person_role_add(actor=self.ctx.actor, person=person, kind=PersonRoleKind.REVIEWER,
                                 field_code=field_code, authority_code="32", registration_no=number,
                                 title="资质认定评审员", valid_from=self.since())


def make_people(ctx: Context, bodies: list[CertificationBody], labs: list[Lab], cqo_orgs: list[Organization],
                *, scale: float = 1.0) -> int:
    """About 3,000 people at scale 1: ~35 auditors per body, 3 signatories per lab, a chief
    quality officer for each given organization, 150 experts, 150 inspectors, 100 reviewers."""
    rng = ctx.rng
    maker = PeopleMaker(ctx)
    n = max(1, round(35 * scale))
    fields = list(LabField.objects.order_by("code").values_list("code", flat=True))
    authorities = ["32"] + [f"32{c:02d}" for c in range(1, 14)] + [p.code for p in ctx.book.places]
    # (task, people it makes), drawn in a fixed order so that a seed gives the same people.
    tasks: list[tuple[Callable[[], None], int]] = []
    for body in bodies:
        count = rng.randint(n // 2, n + n // 2)
        tasks.append((partial(maker.auditors, body, count), count))
    for lab in labs:
        count = rng.randint(2, 4)
        tasks.append((partial(maker.signatories, lab, count), count))
    tasks += [(partial(maker.cqo, org), 1) for org in cqo_orgs]
    tasks += [(partial(maker.expert, rng.choice(fields)), 1) for _ in range(max(1, round(150 * scale)))]
    tasks += [(partial(maker.inspector, rng.choice(authorities)), 1) for _ in range(max(1, round(150 * scale)))]
    tasks += [(partial(maker.reviewer, rng.choice(fields)), 1) for _ in range(max(1, round(100 * scale)))]
    ctx.reporter.start("人员 people", sum(c for _, c in tasks))
    for task, count in tasks:
        task()
        ctx.reporter.advance(count)
    ctx.reporter.done()
    return maker.count
