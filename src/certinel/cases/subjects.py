"""Finding the subject a complaint, a report or a case names: a registered organization,
certification body or lab by its unified social credit code, or a certificate by its number."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from certinel.certificates.models import Certificate
from certinel.core.errors import FieldError, NotFound, ValidationFailed
from certinel.registry.models import CertificationBody, Lab, Organization

from .choices import SubjectKind


@dataclass(frozen=True)
class Found:
    kind: str
    code: str
    name: str
    region_code: str
    obj: Any

    def fields(self) -> dict[str, Any]:
        """The subject fields of a complaint, warning or case."""
        out: dict[str, Any] = {"subject_kind": self.kind, "subject_code": self.code, "subject_name": self.name[:200],
                               "region_code": self.region_code}
        if self.kind == SubjectKind.CERTIFICATE:
            out |= {"certificate": self.obj, "organization_id": self.obj.holder_id, "body_id": self.obj.body_id}
        else:
            out[self.kind] = self.obj
        return out


def subject_find(code: str, *, field: str = "subject") -> Found:
    """The subject `code` names; refused with a message when it names none (the same message
    whatever was asked, so the form tells no more than the public register does)."""
    text = (code or "").strip()
    if not text:
        raise ValidationFailed(FieldError(field, _("Name the subject: a unified social credit code or a certificate "
                                                   "number."), "required"))
    upper = text.upper()
    if len(upper) == 18:
        for kind, model in ((SubjectKind.ORGANIZATION, Organization), (SubjectKind.BODY, CertificationBody),
                            (SubjectKind.LAB, Lab)):
            obj = model.objects.filter(uscc=upper).first()
            if obj is not None:
                return Found(kind, obj.uscc, obj.name, obj.region_code, obj)
    cert = (Certificate.objects.filter(number=text).select_related("holder").order_by("-issued_on", "-id").first()
            or Certificate.objects.filter(number=upper).select_related("holder").order_by("-issued_on", "-id").first())
    if cert is not None:
        return Found(SubjectKind.CERTIFICATE, cert.number, cert.holder_name, cert.region_code, cert)
    raise NotFound(_("No registered organization, certification body or lab has this code, and no certificate "
                     "has this number: %(code)s.") % {"code": text[:64]}, field=field, code="unknown_subject")


def uscc_of(subject: Any) -> str:
    """The credit code of the organization, body or lab a complaint, warning or case is about
    (a certificate's holder)."""
    if subject.subject_kind == SubjectKind.CERTIFICATE:
        return subject.certificate.holder_uscc if subject.certificate_id else ""
    obj = subject.organization or subject.body or subject.lab
    return obj.uscc if obj is not None else ""
