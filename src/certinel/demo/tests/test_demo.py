"""`certinel demo`: a small build checks what a full one does — counts, the validity of every
generated identifier (the reference validators), history for everything written (including the
bulk path, which must write what the services write), the demo accounts and their bindings,
and that running it again changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from certinel.accounts.models import Role, User
from certinel.core.history import history_for, snapshot
from certinel.core.models import ChangeRecord
from certinel.demo.builder import ACCOUNTS
from certinel.reference import identifiers
from certinel.registry.models import (
    BodyScope,
    CertificationBody,
    Lab,
    LabScopeItem,
    NameGram,
    Organization,
    OrganizationName,
    Person,
    PersonRole,
    Site,
)
from certinel.registry.search import grams, indexed_bigrams

pytestmark = pytest.mark.django_db

ORGS = 300


def _demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", "--no-serve", "--organizations", str(ORGS), *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """One build for the whole module (committed), removed again afterwards; gives what the
    command printed."""
    with django_db_blocker.unblock():
        output = _demo()
        yield output
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo(built, db):
    return built


def test_counts_and_spread(demo):
    assert Organization.objects.count() == ORGS
    assert CertificationBody.objects.count() >= 5 and Lab.objects.count() >= 8
    assert BodyScope.objects.count() > 5 * 3
    assert LabScopeItem.objects.filter(kind="basic").count() == Lab.objects.count()
    assert Person.objects.count() == PersonRole.objects.count() > 50
    assert set(PersonRole.objects.values_list("kind", flat=True)) == {
        "auditor", "signatory", "cqo", "expert", "inspector", "reviewer"}
    codes = list(Organization.objects.values_list("region_code", flat=True))
    assert all(code.startswith("32") and len(code) == 6 for code in codes)
    assert len({code[:4] for code in codes}) >= 10  # spread over the cities
    assert Site.objects.filter(kind="registered").count() == ORGS
    assert CertificationBody.objects.exclude(status="approved").count() == 3
    assert Lab.objects.exclude(status="valid").count() == 5
    assert Organization.objects.exclude(name_en="").exists() and OrganizationName.objects.exists()


def test_every_identifier_passes_the_reference_validators(demo):
    for model in (Organization, CertificationBody, Lab):
        for uscc in model.objects.values_list("uscc", flat=True):
            identifiers.validate_uscc(uscc)
    for uscc, region in Organization.objects.values_list("uscc", "region_code"):
        assert uscc[2:8] == region
    for number in CertificationBody.objects.values_list("approval_no", flat=True):
        identifiers.validate_cb_approval(number)
    for number in Lab.objects.values_list("cma_no", flat=True):
        identifiers.validate_cma(number)
    assert Person.objects.filter(id_number_hash__isnull=True).count() == 0  # validated by person_create


def test_everything_written_has_its_history(demo):
    def has(model, action):
        ids = {r for r in ChangeRecord.objects.filter(action=action).values_list("object_id", flat=True)}
        return {str(pk) for pk in model.objects.values_list("pk", flat=True)} <= ids

    assert has(Organization, "organization_registered") and has(CertificationBody, "body_approved")
    assert has(Lab, "lab_qualified") and has(Person, "person_registered") and has(PersonRole, "person_role_added")
    assert has(BodyScope, "body_scope_granted") and has(LabScopeItem, "lab_scope_granted")
    assert ChangeRecord.objects.filter(action__in=("body_suspended", "body_revoked")).count() == 3
    # the demo writes everything; the credit files and classes its events make are the system's
    assert set(ChangeRecord.objects.values_list("actor_label", flat=True)) <= {"demo", "credit:facts",
                                                                               "credit:classes"}
    assert ChangeRecord.objects.filter(actor_label="demo").exists()


def test_the_bulk_path_writes_what_the_services_write(demo):
    org = Organization.objects.filter(former_names__isnull=True).order_by("id").first()
    registered = history_for(org).get()
    assert registered.after == snapshot(org) and registered.before is None and registered.via == "system"
    assert registered.region_code == org.region_code and registered.object_repr == org.name
    renamed = OrganizationName.objects.select_related("organization").first().organization
    records = list(history_for(renamed).filter(action__startswith="organization_"))
    assert [r.action for r in records] == ["organization_registered", "organization_renamed"]
    former = renamed.former_names.get().name
    assert records[0].after["name"] == former
    assert records[1].before == {"name": former} and records[1].after == {"name": renamed.name}
    for o in (org, renamed):
        names = [o.name, o.name_en, *o.former_names.values_list("name", flat=True)]
        assert indexed_bigrams(o.pk) == set().union(*(grams(n) for n in names))
    extra = Site.objects.exclude(kind="registered").first()
    if extra is not None:
        added = history_for(extra).get()
        assert added.action == "organization_site_added" and added.after == snapshot(extra)
        assert added.region_code == extra.organization.region_code


def test_accounts_one_per_role_with_their_bindings(demo):
    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    assert set(users) == {a.username for a in ACCOUNTS}
    for account in ACCOUNTS:
        user = users[account.username]
        assert user.role == account.role and user.check_password(account.password)
        assert user.jurisdiction_code == account.jurisdiction_code
    assert users["demo-cb"].body.status == "approved" and users["demo-lab"].lab.status == "valid"
    assert users["demo-org"].organization is not None and users["demo-admin"].role == Role.ADMIN
    assert [users[n].jurisdiction_code for n in ("demo-province", "demo-city", "demo-district")] == [
        "32", "3201", "320102"]
    assert ChangeRecord.objects.filter(action="user_created").count() == len(ACCOUNTS)


def test_running_it_again_changes_nothing(demo):
    before = {m: m.objects.count() for m in (Organization, CertificationBody, Lab, Person, User, NameGram)}
    history = ChangeRecord.objects.count()
    output = _demo()
    assert "already built" in output or "已存在" in output
    assert {m: m.objects.count() for m in before} == before and ChangeRecord.objects.count() == history


def test_names_are_searchable(demo):
    from certinel.registry.filters import OrganizationFilters
    from certinel.registry.selectors import organization_search

    org = Organization.objects.order_by("id")[5]
    page = organization_search(filters=OrganizationFilters(q=org.name))
    assert page.items[0] == org


def test_certificates_are_reported_through_the_engine(demo):
    from certinel.certificates import trail
    from certinel.certificates.models import Certificate
    from certinel.demo.certificates import SAMPLE_BODY

    certificates = Certificate.objects.all()
    assert certificates.count() >= 30
    # Every certificate has its issue event and history, and a number its scheme accepts.
    assert sum(1 for e in trail.events() if e.kind == "issued") == certificates.count()
    assert ChangeRecord.objects.filter(action="certificate_issued").count() == certificates.count()
    for cert in certificates.filter(scheme__code="CCC"):
        identifiers.validate_ccc_number(cert.number)
    # The sample body is the CB operator's and holds the scopes the sample files need.
    body = CertificationBody.objects.get(approval_no=SAMPLE_BODY)
    assert User.objects.get(username="demo-cb").body == body
    assert set(BodyScope.objects.filter(body=body).values_list("scheme__code", flat=True)) == {"QMS", "EMS", "CCC"}


def test_the_sample_files_import_into_the_demo(demo, tmp_path):
    from pathlib import Path

    from certinel.certificates.io import import_file
    from certinel.core.actor import Actor
    from certinel.demo.certificates import SAMPLE_BODY

    samples = Path(__file__).resolve().parents[4] / "docs" / "samples"
    body = CertificationBody.objects.get(approval_no=SAMPLE_BODY)
    for name in ("certificates-sample.csv", "certificates-sample-gb18030.csv", "certificates-sample.xlsx"):
        result = import_file(samples / name, actor=Actor.system("test"), body=body, dry_run=True)
        assert result.ok, (name, result.errors[:3])


def test_every_history_record_is_in_the_transparency_log(demo):
    from certinel.transparency.services import log_size

    assert not ChangeRecord.objects.filter(log_index__isnull=True).exists()
    assert log_size() == ChangeRecord.objects.count()


# --- coherence: every certificate fits its holder and its body ------------------------------

# GB/T 4754-2017 sections and the NACE sections their divisions fall in (both derive from ISIC;
# recycling is manufacturing in GB/T 4754 and waste management in NACE, car repair a household
# service in one and a trade in the other …).
NACE_SECTIONS = {"A": "A", "C": "CE", "D": "DE", "E": "F", "F": "G", "G": "H", "H": "I", "I": "J", "K": "L",
                 "L": "MNH", "M": "M", "N": "E", "O": "SG", "P": "P", "Q": "Q", "R": "JR"}


def _grants():
    grants: dict[tuple[int, str], set[str] | None] = {}
    for scope in BodyScope.objects.filter(withdrawn_on__isnull=True).select_related("scheme", "iaf_sector"):
        code = str(scope.iaf_sector.number) if scope.iaf_sector_id else scope.ccc_product_code
        key = (scope.body_id, scope.scheme.code)
        if not code or grants.get(key, set()) is None:
            grants[key] = None
        else:
            grants.setdefault(key, set()).add(code)
    return grants


def test_every_industry_word_has_a_profile_of_its_division_and_iaf_sectors(demo):
    from certinel.demo.industries import BY_WORD, PROFILES, iaf_sectors
    from certinel.demo.words import INDUSTRY_WORDS
    from certinel.reference.models import IAFSector, Industry

    sections = dict(Industry.objects.filter(level=2).values_list("code", "parent_code"))
    iaf = dict(IAFSector.objects.values_list("number", "nace"))
    for word, division, *_ in INDUSTRY_WORDS:
        assert BY_WORD[word].division == division, word
    for profile in PROFILES:
        assert profile.activities and profile.words, profile.key
        for nace in profile.nace:
            assert nace[0] in NACE_SECTIONS[sections[profile.division]], (profile.key, nace)
            assert len(iaf_sectors(iaf, [nace])) == 1, (profile.key, nace)  # the reference list's sector


def test_every_certificate_agrees_with_its_holder_and_its_body(demo):
    """Scheme, scope codes, scope text and the holder's industry agree, and the body is
    approved for the scheme and the codes: the CCC scope is the catalogue's name of its product
    code, management-system sectors are those whose NACE codes cover the holder's industry,
    GAP and organic only for farms (organic also for food processors), Jiangsu Boutique and
    other product schemes only for manufacturers, each scope text one of the holder's line."""
    from certinel.certificates.models import Certificate
    from certinel.demo.industries import iaf_sectors, management_activity, profile_of
    from certinel.demo.offers import scheme_weights
    from certinel.reference.models import CCCEdition, IAFSector, Industry

    sections = dict(Industry.objects.filter(level=2).values_list("code", "parent_code"))
    iaf = dict(IAFSector.objects.values_list("number", "nace"))
    ccc = {p.code: p for p in CCCEdition.current().products.all()}
    grants = _grants()
    certificates = list(Certificate.objects.select_related("scheme", "holder__industry"))
    assert len({c.scheme.family for c in certificates}) == 4  # management, CCC, product and service
    for cert in certificates:
        holder, scheme, text, codes = cert.holder, cert.scheme.code, cert.scope_text, cert.scope_codes
        where = f"{cert.number} {scheme} {codes} {text} / {holder.name}"
        division = holder.industry.code
        section = sections[division]
        profile = profile_of(holder.name, division)
        assert profile is not None and profile.division == division, where
        assert scheme in scheme_weights(profile, section), where
        allowed = grants.get((cert.body_id, scheme), set())
        assert allowed is None or (codes and set(codes) <= allowed), f"body not approved: {where}"
        if cert.scheme.scope_kind == "iaf":
            assert codes and {int(c) for c in codes} <= set(iaf_sectors(iaf, profile.nace)), where
            assert management_activity(scheme, text) in profile.activities, where
        elif scheme == "CCC":
            assert section == "C" and codes and set(codes) <= set(profile.ccc), where
            assert not any(ccc[c].self_declaration for c in codes), where
            assert text == "；".join(ccc[c].name for c in codes), where
            assert [p["name"] for p in cert.products] == [ccc[c].name for c in codes], where
        elif scheme in ("GAP", "ORGANIC"):
            assert section == "A" or (scheme == "ORGANIC" and division in ("13", "14", "15")), where
            assert text in profile.products[scheme], where
        elif cert.scheme.family == "product":
            assert section == "C", where
            assert text in (profile.products.get(scheme) or profile.boutique), where
        else:
            assert cert.scheme.family == "service" and text in profile.services[scheme], where


def test_every_demo_account_has_something_to_do(demo):
    """Each account finds data in its reach: the organization user's firm holds certificates
    in several situations, the CB operator's body has certificates to manage, the lab operator's
    lab has its scope and signatories, every regulator's jurisdiction has organizations,
    certificates and recent changes."""
    import datetime as dt

    from django.utils import timezone

    from certinel.certificates.models import Certificate
    from certinel.registry.filters import ChangeFilters
    from certinel.registry.selectors import changes_visible

    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    today = timezone.localdate()
    org = users["demo-org"].organization
    held = list(Certificate.objects.filter(holder=org))
    statuses = {c.status for c in held}
    assert len(held) >= 4 and {"valid", "suspended"} <= statuses
    assert any(c.status == "valid" and c.expires_on <= today + dt.timedelta(days=60) for c in held)
    assert org.region_code == users["demo-district"].jurisdiction_code
    body_certs = Certificate.objects.filter(body=users["demo-cb"].body)
    assert body_certs.count() >= 5 and body_certs.filter(holder=org).exists()
    lab = users["demo-lab"].lab
    assert lab.scope_items.count() >= 2 and PersonRole.objects.filter(lab=lab, kind="signatory").exists()
    for name in ("demo-province", "demo-city", "demo-district"):
        code = users[name].jurisdiction_code
        assert Organization.objects.filter(region_code__startswith=code).exists(), name
        assert Certificate.objects.filter(region_code__startswith=code).exists(), name
    for user in users.values():
        assert changes_visible(user=user, filters=ChangeFilters(days=366)).items, user.username


def test_the_progress_shows_what_was_built(demo):
    """`certinel demo` prints each phase's count as done/total: both are what was built."""
    import re

    from certinel.certificates.models import Certificate
    from certinel.reference.loader import WRITERS

    shown = {label: (int(done), int(total))
             for label, done, total in re.findall(r"^(\S+ [a-z ]+?)\s+━+\s+(\d+)/(\d+)", demo, re.MULTILINE)}
    built = {"代码表 reference lists": len(WRITERS), "认证机构 certification bodies": CertificationBody.objects.count(),
             "检验检测机构 labs": Lab.objects.count(), "获证组织 organizations": Organization.objects.count(),
             "人员 people": Person.objects.count(), "证书 certificates": Certificate.objects.count()}
    assert shown == {label: (n, n) for label, n in built.items()}


def test_the_lab_operators_lab_has_test_reports_to_verify_two_of_them_flagged(demo):
    from certinel.qualification.models import TestReport
    from certinel.qualification.selectors import report_find, report_verify

    operator_lab = Lab.objects.get(users__username="demo-lab")
    reports = list(TestReport.objects.filter(lab=operator_lab).order_by("issued_on", "id"))
    assert len(reports) == 24
    flags = {r.number: {f.code for f in report_verify(r).flags} for r in reports}
    flagged = {number: codes for number, codes in flags.items() if codes}
    assert flagged == {reports[-2].number: {"parameter_outside_scope"},
                       reports[-1].number: {"sample_reported_twice"},
                       reports[-3].number: {"sample_reported_twice"}}
    # The link the demo prints finds the newest of them.
    assert f"/reports/verify/?lab={operator_lab.cma_no}&number={reports[-1].number}" in demo
    assert report_find(cma_no=operator_lab.cma_no, number=reports[-1].number) == reports[-1]
