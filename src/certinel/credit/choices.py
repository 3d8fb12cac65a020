from django.db import models
from django.utils.translation import gettext_lazy as _


class SubjectKind(models.TextChoices):
    ORGANIZATION = "organization", _("获证组织")
    BODY = "body", _("认证机构")
    LAB = "lab", _("检验检测机构")


class EntryStatus(models.TextChoices):
    """A subject's place on the list of seriously illegal and dishonest subjects."""

    LISTED = "listed", _("列入中")
    REMOVAL_REQUESTED = "removal_requested", _("已申请提前移出")
    REMOVED_EARLY = "removed_early", _("已提前移出")
    EXPIRED = "expired", _("期满移出")
    ANNULLED = "annulled", _("已撤销列入")


# While one of these, the entry is in force: published, and its measures apply.
IN_FORCE = (EntryStatus.LISTED, EntryStatus.REMOVAL_REQUESTED)


class NoticeStatus(models.TextChoices):
    """The notice given to a subject before a decision to list it."""

    OPEN = "open", _("陈述申辩期")
    DECIDED = "decided", _("已决定列入")
    DROPPED = "dropped", _("不予列入")
