"""Reading qualification applications: the applicant's own, the regulator's queue (overdue
first), and a lab's approved scope on any date (the registry's dated scope lines)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.timezone import localdate

from certinel.accounts.models import Role
from certinel.accounts.permissions import can, scope
from certinel.registry.models import Lab, LabScopeItem

from .choices import ApplicationStatus, CmaStatus, PostCheckStatus
from .models_applications import Application, CmaCertificate, PostCheck
from .selectors import scope_in_force
from .services_applications import overdue

OPEN = (ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED, ApplicationStatus.REVIEWING,
        ApplicationStatus.REVIEWED)
SHOWN = 200


def visible(user: Any, app: Application) -> bool:
    """The applicant lab's operators and the regulators of its region (the administrator)."""
    return user is not None and user.is_authenticated and can(user, "view", "lab", app.lab)


def application_find(user: Any, number: str) -> Application | None:
    app = Application.objects.select_related("lab").filter(number=(number or "").strip()).first()
    return app if app is not None and visible(user, app) else None


def own_applications(user: Any) -> list[Application]:
    if user.role != Role.LAB_OPERATOR or not user.lab_id:
        return []
    return list(Application.objects.filter(lab_id=user.lab_id).order_by("-id")[:SHOWN])


@dataclass
class QueueRow:
    application: Application
    overdue: bool
    due: dt.date | None


def queue(user: Any, today: dt.date | None = None) -> list[QueueRow]:
    """The open applications of the regulator's jurisdiction: overdue first, then by due date."""
    today = today or localdate()
    apps = scope(user, "decide", "lab", Application.objects.filter(status__in=OPEN).select_related("lab"))
    rows = []
    for app in apps.order_by("id")[:SHOWN * 5]:
        due = app.accept_due if app.status == ApplicationStatus.SUBMITTED else app.decide_due
        rows.append(QueueRow(app, overdue(app, today), due))
    rows.sort(key=lambda r: (not r.overdue, r.due or dt.date.max, r.application.pk))
    return rows[:SHOWN]


def post_checks(user: Any) -> list[PostCheck]:
    checks = PostCheck.objects.filter(status=PostCheckStatus.OPEN).select_related(
        "application", "application__lab", "inspection__plan")
    return [c for c in checks.order_by("due_on", "id")[:SHOWN * 5] if can(user, "decide", "lab", c.application.lab)]


def lab_scope_on(cma_no: str, on: dt.date) -> tuple[Lab | None, list[LabScopeItem]]:
    """The lab and the lines of its scope in force on `on` (as test report verification reads
    them: granted on or before the day, not withdrawn by it)."""
    lab = Lab.objects.filter(cma_no=(cma_no or "").strip()).first()
    if lab is None:
        return None, []
    ids = [line.pk for line in scope_in_force(lab, on)]
    return lab, list(LabScopeItem.objects.filter(pk__in=ids).select_related("field").order_by("field__code", "id"))


def lab_by_cma(cma_no: str) -> Lab | None:
    return Lab.objects.filter(cma_no=(cma_no or "").strip()).first()


def lab_certificate(lab: Lab) -> CmaCertificate | None:
    """The lab's CMA certificate in force, else its latest (superseded or revoked)."""
    certs = CmaCertificate.objects.filter(lab=lab).select_related("application")
    return certs.filter(status=CmaStatus.VALID).order_by("-id").first() or certs.order_by("-id").first()


def certificate_of_application(number: str) -> CmaCertificate | None:
    """The CMA certificate an approval issued (public: it holds no personal data)."""
    return (CmaCertificate.objects.select_related("application", "lab")
            .filter(application__number=(number or "").strip()).first())
