"""`certinel demo`: migrate, load the reference lists, build a demo province (Jiangsu, 32)
with fictional bodies, labs, organizations, people and one account per role, print the
accounts, and serve the portal. `make demo` runs it.

    certinel demo                       # build once (skipped when the demo is there), then serve
    certinel demo --port 8201           # serve on 127.0.0.1:8201; the public address follows the port
    certinel demo --reset --seed 7      # rebuild from scratch with another seed
    certinel demo --no-serve --organizations 300
    DATABASE_URL=postgres://… certinel demo --scale national --no-serve   # benchmark data
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from certinel.core.models import ChangeRecord
from certinel.demo import address as public_address
from certinel.demo.builder import ACCOUNTS, FULL_ORGANIZATIONS, build_province, holds_other_data, is_built
from certinel.demo.national import NATIONAL_ORGANIZATIONS, build_national
from certinel.registry.models import Organization


class RichReporter:
    """Progress of the build phases as rich progress bars."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None
        self.total = 0

    def start(self, phase: str, total: int) -> None:
        self.task = self.progress.add_task(phase, total=total)
        self.total = total

    def advance(self, n: int = 1) -> None:
        if self.task is not None:
            self.progress.advance(self.task, n)

    def done(self) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=self.total)
            self.task = None


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console)


def _is_demo_database() -> bool:
    """Whether this database holds the demo (its accounts), or only what the demo builder
    wrote (the national data set), or nothing yet."""
    try:
        return is_built() or not ChangeRecord.objects.exclude(actor_label="demo").exists()
    except DatabaseError:  # no tables yet
        return True


class Command(BaseCommand):
    help = "Build the demo data (a province, or the national benchmark set) and serve the portal."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=None,
                            help="Port to serve on; the public address (QR codes, DIDs, credential ids, the log's "
                                 "name) becomes http://127.0.0.1:PORT unless CERTINEL_PUBLIC_URL is set. Default: "
                                 "the port this data folder's demo was built for, else 8000.")
        parser.add_argument("--no-serve", action="store_true", help="Build only; do not start the server.")
        parser.add_argument("--reset", action="store_true",
                            help="Delete the demo database and build it again (only a database the demo built).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed: the same seed, the same data.")
        parser.add_argument("--scale", choices=["province", "national"], default="province",
                            help="province: Jiangsu for the portal (default); national: 1.5 million organizations "
                                 "across all provinces, for benchmarks.")
        parser.add_argument("--organizations", type=int, default=None,
                            help=f"How many organizations (default {FULL_ORGANIZATIONS:,} for a province, "
                                 f"{NATIONAL_ORGANIZATIONS:,} national).")

    def handle(self, *args, **opts):
        console = Console(file=self.stdout)
        if opts["reset"]:
            self._reset(console)
        with console.status("迁移数据库 migrating the database…"):
            call_command("migrate", interactive=False, verbosity=0)
        port = public_address.settle(opts["port"])
        console.print(f"公开地址 public address: {settings.CERTINEL_PUBLIC_URL}")
        debug, settings.DEBUG = settings.DEBUG, False  # no query log while building: thousands of queries
        try:
            if opts["scale"] == "national":
                self._national(console, opts)
            else:
                self._province(console, opts)
        finally:
            settings.DEBUG = debug
        self._checkpoint(console)
        if not opts["no_serve"]:
            self._serve(console, port)

    def _province(self, console: Console, opts) -> None:
        if is_built():
            console.print("[green]演示数据已存在，跳过构建。[/] The demo is already built (use --reset to rebuild).")
        elif holds_other_data():
            raise CommandError("This database already holds registry data that the demo did not build. Point "
                               "DATABASE_URL at another database, or use --reset on a demo database.")
        else:
            count = opts["organizations"] or FULL_ORGANIZATIONS
            with _progress(console) as progress:
                summary = build_province(seed=opts["seed"], organizations=count, reporter=RichReporter(progress))
            console.print(
                f"[green]构建完成 built[/] in {summary.seconds:.0f} s: {summary.bodies} certification bodies "
                f"({summary.scopes} approved scopes), {summary.labs} labs ({summary.scope_items} scope lines), "
                f"{summary.organizations:,} organizations ({summary.sites:,} sites, {summary.former_names} former "
                f"names), {summary.people:,} people, {summary.certificates:,} certificates, "
                f"{summary.inspection_plans} inspection plans ({summary.inspections} inspections), "
                f"{summary.sampled_batches} sampled batches, {summary.test_reports} test reports, "
                f"{summary.history:,} history records.")
        self._accounts(console)
        self._report_example(console)

    def _national(self, console: Console, opts) -> None:
        if Organization.objects.exists():
            console.print("[green]数据已存在，跳过构建。[/] This database already holds organizations; skipping "
                          "(use --reset on a demo database to rebuild).")
            return
        count = opts["organizations"] or NATIONAL_ORGANIZATIONS
        with _progress(console) as progress:
            summary = build_national(seed=opts["seed"], organizations=count, reporter=RichReporter(progress))
        console.print(
            f"[green]构建完成 built[/] {summary.organizations:,} organizations in {summary.provinces} provinces "
            f"({summary.index_rows:,} name index rows, {summary.history:,} history records) on "
            f"{connection.vendor} in {summary.seconds:.0f} s (loading {summary.load_seconds:.0f} s, indexes and "
            f"statistics {summary.index_seconds:.0f} s).")

    def _checkpoint(self, console: Console) -> None:
        """Sign a checkpoint of the transparency log (making a development signing key first
        when none exists), so that /log/checkpoint answers from the start."""
        from certinel.core.scheduler import sign_checkpoint_if_grown
        from certinel.transparency.selectors import log_size

        key_file = getattr(settings, "CERTINEL_LOG_SIGNING_KEY_FILE", "")
        if key_file and not os.environ.get("CERTINEL_LOG_SIGNING_KEY") and not Path(key_file).exists():
            call_command("log", "keygen", "--out", key_file, stdout=io.StringIO())
        outcome = sign_checkpoint_if_grown()
        console.print(f"透明日志 transparency log: {log_size():,} entries; checkpoint {outcome}.")

    def _report_example(self, console: Console) -> None:
        """A test report of the lab operator's lab to verify (the demo's labs are drawn at random:
        their CMA numbers differ from seed to seed)."""
        from certinel.qualification.models import TestReport

        report = (TestReport.objects.filter(lab__users__username="demo-lab").select_related("lab")
                  .order_by("-issued_on", "-id").first())
        if report is not None:
            query = urlencode({"lab": report.lab.cma_no, "number": report.number})
            console.print(f"检验报告 test report to verify: {settings.CERTINEL_PUBLIC_URL}/reports/verify/?{query}")

    def _accounts(self, console: Console) -> None:
        from certinel.accounts.models import User

        table = Table(title="演示账号 demo accounts (演示数据，均为虚构 fictional data)")
        table.add_column("用户名 username", no_wrap=True)
        table.add_column("密码 password", no_wrap=True)
        table.add_column("角色 role")
        table.add_column("范围 scope", overflow="fold")
        users = {u.username: u for u in User.objects.select_related("body", "lab", "organization")
                 .filter(username__in=[a.username for a in ACCOUNTS])}
        for account in ACCOUNTS:
            user = users.get(account.username)
            if user is None:
                continue
            bound = user.jurisdiction_code or str(user.body or user.lab or user.organization or "—")
            table.add_row(account.username, account.password, account.description, bound)
        console.print(table)

    def _reset(self, console: Console) -> None:
        db = settings.DATABASES["default"]
        if not _is_demo_database():
            raise CommandError("--reset deletes the database, and this one holds data the demo did not write; "
                               "refusing.")
        connection.close()
        if connection.vendor == "sqlite":
            path = Path(str(db["NAME"]))
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        elif connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("DROP SCHEMA public CASCADE")
                cursor.execute("CREATE SCHEMA public")
        else:
            raise CommandError(f"--reset does not know how to empty a {connection.vendor} database.")
        public_address.forget_address()
        console.print("[yellow]已删除演示数据库。[/] The demo database was deleted.")

    def _serve(self, console: Console, port: int) -> None:
        os.environ["CERTINEL_DEMO"] = "1"
        settings.CERTINEL_DEMO = True  # the settings were read before; the banner reads this
        address = f"127.0.0.1:{port}"
        console.print(f"\n门户 portal: [bold]http://{address}/[/]   管理后台 admin: http://{address}/admin/\n")
        if "serve" in get_commands():
            call_command("serve", bind=address)
        else:  # the production server command is not installed: Django's development server
            console.print("[yellow]`certinel serve` is not available; using Django's development server.[/]")
            call_command("runserver", address, use_reloader=False)
