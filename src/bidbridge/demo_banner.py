"""What `bidbridge demo` prints: where to log in, and the logins grouped by company.

Laid out for an 80-column terminal (and a pipe, where rich assumes 80): the company is a heading
line of its own, so the table keeps three short columns that never need truncating.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import groupby

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bidbridge.demo import DemoLogin, DemoSummary

ROLE_WIDTH = 15
CELL_WIDTH = 24  # the longest demo e-mail and password fit


def _heading(login: DemoLogin) -> Text:
    if login.company is None:
        return Text("Platform support", style="bold")
    api = "API active" if login.api else "no API module"
    return Text.assemble((login.company, "bold"), f" · {login.company_kind} · {api}")


def _logins_table(logins: list[DemoLogin]) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 1, 0, 2))
    table.add_column("role", min_width=ROLE_WIDTH, no_wrap=True)
    table.add_column("e-mail", min_width=CELL_WIDTH, no_wrap=True)
    table.add_column("password", min_width=CELL_WIDTH, no_wrap=True)
    for login in logins:
        table.add_row(login.role, login.email, login.password)
    return table


def print_demo(console: Console, summary: DemoSummary) -> None:
    console.print(Text.assemble("bidbridge demo data is loaded. Log in at ",
                                (f"{summary.base_url}/login", "bold underline")), soft_wrap=True)
    console.print("with one of these (role, e-mail, password):")
    for _, group in groupby(summary.logins, key=lambda login: login.company):
        logins = list(group)
        console.print()
        console.print(_heading(logins[0]), soft_wrap=True)
        console.print(_logins_table(logins))
    if summary.api_key:
        console.print(f"\nAPI key for {summary.api_user} (shown once): [bold]{summary.api_key}[/]",
                      soft_wrap=True)
    if summary.contractor_api_key:
        console.print(f"Contractor API key for {summary.contractor_api_user} (shown once): "
                      f"[bold]{summary.contractor_api_key}[/]", soft_wrap=True)
    _print_rfps(console, summary)


def _print_rfps(console: Console, summary: DemoSummary) -> None:
    console.print("\nThe demo RFPs, by project:")
    for project, rfps in groupby(summary.rfps, key=lambda rfp: rfp.project):
        console.print(Text(project, style="bold"))
        for rfp in rfps:
            when = datetime.fromtimestamp(rfp.deadline, UTC).strftime("%Y-%m-%d") \
                if rfp.deadline else "none"
            passed = " (passed)" if rfp.deadline_passed else ""
            line = Text(f"  RFP {rfp.id}: {rfp.workpackage} → {rfp.subcontractor}, "
                        f"deadline {when}{passed}")
            console.print(line)
