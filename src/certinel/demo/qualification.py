"""The demo's qualification applications (资质认定), each step through the services the lab and
the regulator use, in different states:

* a first-approval draft still being filled in;
* a renewal submitted weeks ago and not yet accepted (overdue on the regulator's queue);
* an extension under technical review, reviewers drawn, with an open on-site finding;
* a scope extension approved under the general procedure (its scope lines dated, a CMA
  certificate issued);
* a change approved under notification and commitment, with its post-check due.

It also reports test reports for the lab the lab operator's account is bound to and two other
valid labs (`make_reports`), each through the reporting service a lab's import uses: most of
them clean, one lab's with a parameter outside its scope and a sample reported twice with
different results, so that verification shows its flags.

The draws' random values are fictional (marked 演示) and the draws are real: anyone can replay
them from the published inputs. Dates are counted back from the day the demo is built. Staff
names, ID numbers and phones are generated and fictional."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.utils.timezone import localdate

from certinel.cases.evidence import EvidenceFile
from certinel.qualification import services_applications as apps
from certinel.qualification import services_review as review
from certinel.qualification.data import ReportData
from certinel.qualification.reporting import report_test_reports
from certinel.registry import services
from certinel.registry.choices import LabStatus, PersonRoleKind
from certinel.registry.models import Lab, LabScopeItem, PersonRole

from .context import Context

FIELD = "00"
STANDARD = "GB 14881-2013"
EVIDENCE = EvidenceFile("演示-管理体系文件.pdf", b"%PDF-1.4\n% demo evidence (fictional)\n%%EOF\n")


def _reviewers(ctx: Context, wanted: int = 4) -> None:
    have = PersonRole.objects.filter(kind=PersonRoleKind.REVIEWER, field__code=FIELD, authority_code="32").count()
    for n in range(max(0, wanted - have)):
        person = services.person_create(actor=ctx.actor, name=ctx.namer.person())
        services.person_role_add(actor=ctx.actor, person=person, kind=PersonRoleKind.REVIEWER, field_code=FIELD,
                                 authority_code="32", registration_no=f"PSQ32{n + 1:05d}", title="资质认定评审员",
                                 valid_from=dt.date(2020, 1, 1))


def _form(ctx: Context, lab: Lab, parameter: str) -> dict:
    rng = ctx.rng
    return {
        "legal_entity": {"name": lab.name, "uscc": lab.uscc, "address": lab.address},
        "staff": [{"name": ctx.namer.person(), "id_number": f"3201021990{rng.randint(10000000, 99999999)}",
                   "phone": ctx.namer.mobile(), "title": title, "signatory": i == 1,
                   "fields": [FIELD]} for i, title in ((1, "技术负责人"), (2, "检验员"))],
        "site": {"address": lab.address, "area_m2": str(rng.randint(300, 3000))},
        "equipment": [{"name": "原子吸收分光光度计", "model": "AA-7000", "serial": f"E{rng.randint(1000, 9999)}"}],
        "management_system": {"manual_version": "A/1", "effective_on": "2025-01-01"},
        "items": [{"field": FIELD, "object": "食品生产企业", "parameter": parameter, "standard": STANDARD,
                   "clause": "5.1"}],
    }


def _application(ctx: Context, lab: Lab, kind: str, procedure: str, parameter: str, submitted: dt.date | None):
    app = apps.application_create(actor=ctx.actor, lab=lab, kind=kind, procedure=procedure)
    apps.application_update(actor=ctx.actor, application=app, **_form(ctx, lab, parameter))
    apps.application_attach(actor=ctx.actor, application=app, files=[EVIDENCE])
    if procedure == "commitment":
        apps.application_sign_commitment(actor=ctx.actor, application=app, signer="演示法定代表人",
                                         on=submitted)
    if submitted is not None:
        apps.application_submit(actor=ctx.actor, application=app, on=submitted)
    return app


def make_qualification(ctx: Context) -> int:
    """Five applications of the first valid labs (by CMA number) whose certificate runs more than
    four months yet (a renewal is applied for three months before the end); the number made."""
    today = localdate()
    labs = list(Lab.objects.filter(status=LabStatus.VALID, cma_valid_until__gt=today + dt.timedelta(days=122))
                .order_by("cma_no")[:5])
    if len(labs) < 5:
        return 0
    _reviewers(ctx)
    ago = lambda days: today - dt.timedelta(days=days)  # noqa: E731
    sources = ["演示 20260101 3 11 19 24 30 33"]
    _application(ctx, labs[0], "first", "general", "卫生规范符合性", None)
    _application(ctx, labs[1], "renewal", "general", "卫生规范符合性", ago(20))
    reviewing = _application(ctx, labs[2], "extension", "general", "车间卫生", ago(30))
    apps.application_accept(actor=ctx.actor, application=reviewing, on=ago(28))
    review.reviewers_draw(actor=ctx.actor, application=reviewing, sources=sources, on=ago(21))
    review.finding_record(actor=ctx.actor, application=reviewing, stage="onsite", clause="4.5.11",
                          description="原始记录信息不完整")
    approved = _application(ctx, labs[3], "extension", "general", "清洁消毒", ago(60))
    apps.application_accept(actor=ctx.actor, application=approved, on=ago(58))
    review.reviewers_draw(actor=ctx.actor, application=approved, sources=sources, on=ago(50))
    finding = review.finding_record(actor=ctx.actor, application=approved, stage="document", clause="4.2.2",
                                    description="质量手册未覆盖新增项目")
    review.finding_close(actor=ctx.actor, finding=finding, corrective_action="修订质量手册并培训", on=ago(40))
    review.review_close(actor=ctx.actor, application=approved, on=ago(35))
    apps.application_approve(actor=ctx.actor, application=approved, on=ago(30))
    committed = _application(ctx, labs[4], "change", "commitment", "人员卫生", ago(15))
    apps.application_accept(actor=ctx.actor, application=committed, on=ago(14))
    apps.application_approve(actor=ctx.actor, application=committed, on=ago(10))
    return 5


# The demo's report numbers, the same in every lab's series (a lab numbers its own reports).
REPORT_NUMBER = "JC{year}-{n:06d}"
REPORTS_PER_LAB = 24
CLIENTS = ("示例食品有限公司", "示例饮料有限公司", "示例粮油加工厂", "示例包装材料有限公司")


def _digest(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def make_reports(ctx: Context, first: Lab) -> int:
    """Test reports of `first` (the lab operator's lab) and two more valid labs with scope lines
    and an authorised signatory: REPORTS_PER_LAB each over the last 60 days, each parameter a
    scope line in force on the issue date. In the first lab that reports, the second-to-last
    report names a parameter outside the scope and the last reports the sample of the third-to-last
    with other results (both of those are flagged). The number reported."""
    today = localdate()
    since = today - dt.timedelta(days=90)
    others = Lab.objects.filter(status=LabStatus.VALID, cma_issued_on__lte=since).exclude(pk=first.pk)
    labs = [first, *others.order_by("cma_no")[:2]]
    made = 0
    for lab in labs:
        signatory = (PersonRole.objects.filter(lab=lab, kind=PersonRoleKind.SIGNATORY, valid_from__lte=since)
                     .select_related("person").order_by("id").first())
        lines = (LabScopeItem.objects.filter(lab=lab, withdrawn_on__isnull=True, granted_on__lte=since)
                 .exclude(standard="").order_by("id"))
        # Products and parameters rather than the basic line (the lab's general requirements).
        scope = list(lines.filter(kind="industry")) or list(lines)
        if signatory is None or not scope:
            continue
        items = []
        for n in range(1, REPORTS_PER_LAB + 1):
            issued = today - dt.timedelta(days=60 - 2 * n)
            line = scope[n % len(scope)]
            sample = f"YP{issued:%Y%m%d}-{n:03d}"
            items.append(ReportData(
                number=REPORT_NUMBER.format(year=issued.year, n=n), issued_on=issued,
                sample_received_on=issued - dt.timedelta(days=ctx.rng.randint(2, 6)),
                client_name=CLIENTS[n % len(CLIENTS)], object_name=line.item,
                parameters=[{"parameter": line.item, "standard": line.standard}],
                signatory_name=signatory.person.name, pdf_sha256=_digest("demo report pdf", lab.cma_no, n),
                sample_no=sample, results_sha256=_digest("demo results", lab.cma_no, n)))
        if made == 0:  # the first lab reporting: three of its reports flagged
            outside, twice = items[-2], items[-1]
            outside.parameters = [*outside.parameters, {"parameter": "放射性核素", "standard": "GB 14882-1994"}]
            twice.sample_no = items[-3].sample_no  # the same sample, other results
        result = report_test_reports(actor=ctx.actor, lab=lab, items=items, today=today)
        if not result.ok:
            raise RuntimeError(f"demo test reports of {lab.cma_no} refused: {result.errors}")
        made += len(items)
    return made
