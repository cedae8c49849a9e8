"""The platform scenarios, in the order they run, each with the load it sends and the data it
needs; a scenario whose API function is missing is reported, not approximated."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bench import tendering
from bench.loadgen import Load
from bench.setup_data import SUBCONTRACTOR_API, ApiUser, Backend, token_body

if TYPE_CHECKING:
    from rich.console import Console

    from bench.run import Options
    from bidbridge.services.runtime import Runtime

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def size_label(count: int) -> str:
    if count >= 1_000_000 and count % 1_000_000 == 0:
        return f"{count // 1_000_000}M"
    if count >= 1000 and count % 1000 == 0:
        return f"{count // 1000}k"
    return str(count)


@dataclass
class Scenario:
    name: str
    load: Load | None = None
    missing: str | None = None
    before: Callable[[], None] = lambda: None
    no_warmup: bool = False


@dataclass
class Plan:
    """What one backend's run needs: options, database, API users, token and tendering data."""

    opts: Options
    backend: Backend
    runtime: Runtime
    users: list[ApiUser]
    console: Console
    token: str = ""
    data: Any = None  # tendering.Data once the tendering functions exist
    notes: list[str] = field(default_factory=list)
    rfps_scenarios: list[str] = field(default_factory=list)

    @property
    def rfp_sizes(self) -> list[int]:
        # The table-size series runs on PostgreSQL; SQLite gets the smallest size only.
        sizes = self.opts.rfp_sizes
        return sizes if self.backend.name == "postgresql" else sizes[:1]

    def wants(self, name: str) -> bool:
        return name in self.opts.scenarios

    def prepare(self) -> None:
        needed = [f for f, s in (("getRfp", "rfp"), ("getRfps", "rfps"),
                                 ("submitProposal", "proposal"), ("getDocument", "document"))
                  if self.wants(s) and tendering.missing(f) is None]
        if needed:
            self.data = tendering.prepare(self.runtime, self.users[0], self.opts, self.console)


def platform_scenarios(plan: Plan, base_url: str) -> Iterator[Scenario]:
    api = base_url + SUBCONTRACTOR_API
    opts = plan.opts
    auth = {"X-Auth-Token": plan.token}
    c = opts.connections
    if plan.wants("token"):
        clients = plan.users[: opts.token_clients]
        for force in (False, True):
            yield Scenario(f"getToken forceNew={int(force)}", Load(
                url=api + "/tokens", method="POST", headers=FORM,
                bodies=[token_body(u, force) for u in clients], connections=len(clients),
                duration_s=opts.duration_s))
    if plan.wants("me"):
        yield Scenario("getMe", Load(url=api + "/me", headers=auth, connections=c,
                                     duration_s=opts.duration_s))
    if plan.wants("rfp"):
        why = tendering.missing("getRfp")
        yield Scenario("getRfp", missing=why) if why else Scenario(
            "getRfp", tendering.get_rfp_load(plan, api, auth))
    if plan.wants("rfps"):
        why = tendering.missing("getRfps")
        for size in plan.rfp_sizes:
            name = f"getRfps page of 50, {size_label(size)} RFPs"
            plan.rfps_scenarios.append(name)
            if why:
                yield Scenario(name, missing=why)
                continue
            yield Scenario(name, tendering.get_rfps_load(plan, api, auth),
                           before=lambda size=size: tendering.grow_rfps(plan, size))
    if plan.wants("proposal"):
        why = tendering.missing("submitProposal")
        name = f"submitProposal {opts.proposal_lines} lines"
        yield Scenario(name, missing=why) if why else Scenario(
            name, tendering.submit_proposal_load(plan, api, auth))
    if plan.wants("document"):
        why = tendering.missing("getDocument")
        name = f"getDocument {opts.document_mb} MB"
        yield Scenario(name, missing=why) if why else Scenario(
            name, tendering.get_document_load(plan, api, auth))
