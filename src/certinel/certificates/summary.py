"""What a successful report of certificates did, in one sentence: the upload page, the
open API's batch answer and `certinel import` all say it the same way.

A file or batch sent again unchanged creates and updates nothing: it says "nothing
changed", never that data was written."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def outcome_message(*, dry_run: bool, created: int, updated: int, unchanged: int) -> str:
    """The sentence for a report whose every row is fine, in the active language."""
    total = created + updated + unchanged
    numbers = {"created": created, "updated": updated, "unchanged": unchanged, "total": total}
    if created or updated:
        if dry_run:
            return _("试运行通过：正式导入将新增 %(created)d 条、变更 %(updated)d 条，"
                     "%(unchanged)d 条无变化。本次没有写入任何数据。") % numbers
        return _("全部数据已写入：新增 %(created)d 条，变更 %(updated)d 条，%(unchanged)d 条无变化。") % numbers
    if dry_run:
        return ngettext("试运行通过：%(total)d 条证书与登记册完全一致，正式导入也不会改变任何数据。",
                        "试运行通过：%(total)d 条证书与登记册完全一致，正式导入也不会改变任何数据。",
                        total) % numbers
    return ngettext("没有任何变化：%(total)d 条证书与登记册完全一致，本次没有写入任何数据。",
                    "没有任何变化：%(total)d 条证书与登记册完全一致，本次没有写入任何数据。",
                    total) % numbers
