"""What the public log may show, per kind of record.

Every history record becomes a leaf of the log, but only the records of public kinds are
logged as they are: the register's objects that the portal and the open API show to anyone
(certificates, bodies and their approved scopes, labs and their qualified scope, organizations,
their sites and former names, registered practitioners, the bodies' public signing keys and
e-certificates). Everything else (user accounts, API keys, buyers' watchlists and what they
watch, notifications, and any kind a later app adds without declaring it here) is private: its
leaf is a salted commitment that says only that a private record was written at that moment
(see `private_leaf`). Private by default, public by declaration. A private record's before and
after are kept beside it, in `core.PrivateDetail` (the canonical JSON its whole leaf was made
from, which the commitment binds), never in the log.

Inside a public record, personal data (people's names, phones, e-mail addresses, the tail of
an ID number; an organization's contact phone and e-mail) is kept only as salted hashes: the
models list those fields in `HISTORY_PERSONAL`. `PERSONAL_FIELDS` below repeats them so that a
test can hold every leaf against this rule.
"""

from __future__ import annotations

# "<app label>.<model name>" of every kind whose records the log shows as they are, with why.
PUBLIC_KINDS: dict[str, str] = {
    "certificates.certificate": "a certificate and every change of its status or content (R1.5, R2.5)",
    "registry.certificationbody": "an approved certification body (R1.1)",
    "registry.bodyscope": "what a body is approved to certify (R1.1)",
    "registry.lab": "a lab's CMA qualification (R1.2)",
    "registry.labscopeitem": "a line of a lab's qualified scope (R1.2)",
    "registry.organization": "a certified organization, identified by its public credit code (R1.3)",
    "registry.organizationname": "an organization's former name (R1.3)",
    "registry.site": "a site an organization's certificates cover (R1.3)",
    "registry.person": "a registered practitioner; name, phone and e-mail only as salted hashes (R1.4)",
    "registry.personrole": "a practitioner's registration: auditor, signatory, reviewer (R1.4)",
    "credentials.signingkey": "an issuer's (a body's or a regulator's) public signing key and its status "
                              "(e-certificates)",
    "credentials.statuslist": "a published status list (e-certificates)",
    "credentials.statusentry": "a status bit of an e-certificate (e-certificates)",
    "credentials.issuedcredential": "an e-certificate issued or re-signed (e-certificates)",
    "credit.listentry": "an entry on the list of seriously illegal and dishonest subjects, published by law "
                        "(SAMR Order No. 44; R3.3, R3.4)",
    "credit.factpublication": "an administrative penalty or award published on its subject's credit page, and the "
                              "end of its display (SAMR Order No. 45; R3.3)",
    "supervision.plan": "a random-inspection plan: its strata's sizes and counts, the hashes of its published "
                        "inputs and result, its random source and value (R3.1)",
    "supervision.inspection": "a drawn subject and its published result; its inspectors only as a salted hash, its "
                              "stratum (a credit class) not at all (R3.1)",
    "supervision.samplingtask": "a supervision sampling task (R3.7)",
    "supervision.samplebatch": "a sampled batch, the lab that tested it and its result (R3.7)",
    "assessment.assessmentreport": "a region's report for assessment: its region, period, version and the SHA-256 "
                                   "of its figures, PDF and workbook, so that anyone holding a copy can check it "
                                   "(R5); who generated it only as a salted hash",
    "qualification.cmacertificate": "a CMA certificate an approval issued: its number, dates, status, its "
                                    "e-certificate's id and the SHA-256 of the signed credential (R4)",
    "qualification.testreport": "a lab's test report as the lab reported it, for anyone to verify; its client, "
                                "signatory and results digest only as salted hashes (R3.2)",
}

# Fields of public kinds that are personal data: a leaf holds them only as salted hashes.
PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "registry.person": ("name", "phone", "email", "id_number_tail"),
    "registry.organization": ("contact_phone", "contact_email"),
    "credit.listentry": ("removal_request",),
    "supervision.inspection": ("inspectors",),
    "qualification.testreport": ("client_name", "signatory_name", "results_sha256"),
    "assessment.assessmentreport": ("generated_by",),
}

# The leaf type of a private record (`core.models` repeats it, to read a record's leaf).
PRIVATE_TYPE = "private"


def is_public(object_type: str) -> bool:
    """Whether records about objects of this type ("app.model") are logged as they are."""
    return object_type in PUBLIC_KINDS
