"""The warning queue's charts: counts by rule and by region per month or week, in tables beside
the charts (numbers in HTML) and as CSV, equal to the queue's own counts under its filters."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse

from certinel.accounts.models import Role
from certinel.cases import rules
from certinel.cases.models import RiskWarning
from certinel.cases.services_warnings import warnings_record
from certinel.core.testing.builders import build_org, build_user

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat


def plant() -> None:
    """Four warnings: two mills and a hop in Nanjing in January (two weeks), a mill in Suzhou in
    March (February has none)."""
    for rule, region, key, day in (("mills", "320102", "a", "2026-01-05"), ("mills", "320104", "b", "2026-01-06"),
                                   ("hopping", "320102", "c", "2026-01-20"), ("mills", "320506", "d", "2026-03-02")):
        warnings_record([rules.Finding(rule, "body", f"CODE-{key}", f"机构{key}", region, key, {"n": 1},
                                       severity="high", edition="2026-01")], on=D(day))


def _table(html: str, by: str) -> list[list[str]]:
    body = re.search(rf'<table[^>]*id="table-{by}".*?</table>', html, re.S).group(0)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_the_tables_beside_the_charts_count_the_queue_by_rule_and_region(client):
    plant()
    client.force_login(build_user(Role.REGULATOR, jurisdiction_code="32"))
    html = client.get(reverse("cases:warnings")).content.decode()
    assert 'src="/static/vendor/echarts/echarts.min.js"' in html and "cases/charts.js" in html
    assert "<script>" not in html  # no inline script (the CSP forbids it)
    by_rule = _table(html, "rule")
    assert [r[0] for r in by_rule[1:]] == ["2026-01", "2026-02", "2026-03", "合计"]
    assert by_rule[0][1].startswith("hopping") and by_rule[0][2].startswith("mills")
    assert by_rule[1][1:] == ["1", "2", "3"] and by_rule[2][1:] == ["0", "0", "0"]
    assert by_rule[-1][1:] == ["1", "3", str(RiskWarning.objects.count())]
    by_region = _table(html, "region")
    assert [h.split(" ")[0] for h in by_region[0][1:3]] == ["3201", "3205"]
    assert by_region[-1][1:] == ["3", "1", "4"]
    weekly = _table(client.get(reverse("cases:warnings"), {"period": "week", "rule": "mills"}).content.decode(),
                    "rule")
    assert weekly[1][0] == "2026-01-05" and weekly[1][1:] == ["2", "2"]  # the week from Monday 5 January
    assert weekly[-1][1:] == ["3", "3"] and len(weekly) == 2 + 9  # 9 weeks, the empty ones as zeros


def test_the_csv_holds_the_same_numbers_and_outsiders_get_none(client):
    plant()
    url = reverse("cases:warnings_csv")
    client.force_login(build_user(Role.REGULATOR, jurisdiction_code="3201"))  # Nanjing sees its own three
    answer = client.get(url, {"by": "region", "period": "month"})
    assert answer["Content-Type"].startswith("text/csv") and "attachment" in answer["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows == [["month", "3201", "total"], ["2026-01", "3", "3"]]
    client.cookies["django_language"] = "en"
    english = client.get(reverse("cases:warnings")).content.decode()
    assert "By rule" in english and "By region (city)" in english and "Download CSV" in english
    assert "mills · Many certificates issued on one day" in english
    client.force_login(build_user(Role.ORG_USER, organization=build_org()))
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
