"""addProject, getProjects, getProject and updateProject (contractor API)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from bidbridge.api import cursors
from bidbridge.api.call import Call
from bidbridge.api.contractor.outputs import (
    document_out,
    workpackage_out,
)
from bidbridge.api.declare import Api, Input, Param, function, id_parameter
from bidbridge.api.shared import CURSOR_PATTERN, LIMIT_PATTERN, UNIX_PATTERN
from bidbridge.clock import unix
from bidbridge.models import Project
from bidbridge.reference import (
    BUILDING_SECTORS,
    CLASSIFICATION_SYSTEMS,
    PHASES,
    alternation,
)
from bidbridge.services import contractor_queries, projects, scoping
from bidbridge.services.projects import PROJECT_FIELDS, PROJECT_STATUSES
from bidbridge.wire.contractor.projects import (
    ProjectDetailOut,
    ProjectListOut,
)
from bidbridge.wire.projects import ProjectOut

API: Api = "contractor"


def line_pattern(size: int) -> str:
    """One line of text, 1 to ``size`` characters: no control characters, no leading space."""
    return r"^([^\x00-\x20\x7f][^\x00-\x1f\x7f]{0," + str(size - 1) + "})$"


DATE = r"^([0-9]{10})$"  # 10-digit unix seconds, as the modelled platform's dates
HOUR = r"^([1-9]|1[0-9]|2[0-3])$"
PHASE_PATTERN = "^" + alternation([str(p.id) for p in PHASES]) + "$"
STATUS_PATTERN = "^" + alternation(PROJECT_STATUSES) + "$"
REASONS = ("prijsopgave", "aanbesteding", "start van het inkooptraject")


def comma_list_pattern(values: tuple[str, ...]) -> str:
    one = alternation(values)
    return f"^({one}(,{one})*)$"


def _text(name: str, description: str, size: int, example: str | None = None) -> Param:
    return Param(name, "query", description, pattern=line_pattern(size), max_length=size,
                 expected=f"text on one line, 1 to {size} characters", example=example)


def _date(name: str, description: str, example: int | None = None) -> Param:
    return Param(name, "query", description + " Unix seconds (10 digits).", pattern=DATE,
                 type="integer", expected="a 10-digit unix timestamp in seconds",
                 example=example)


def _name(required: bool) -> Param:
    return Param("name", "query", "The project's name.", pattern=line_pattern(200),
                 max_length=200, required=required,
                 expected="text on one line, 1 to 200 characters",
                 example="Nieuwbouw Kantoor Leidsche Rijn")


class _NewName(Input):
    name: Annotated[str, _name(True)]


class _SomeName(Input):
    name: Annotated[str | None, _name(False)] = None


class _ProjectFieldsIn(Input):
    """The project fields besides the name, all optional: only what was sent changes (see
    Input.sent). The name comes first, from the second base of AddProjectIn/UpdateProjectIn."""
    phase_id: Annotated[int | None, Param(
        "phaseId", "query", "The phase: " + ", ".join(f"{p.id} = {p.name} ({p.description})"
                                                     for p in PHASES) + " (getPhases).",
        pattern=PHASE_PATTERN, type="integer", expected="a phase id from getPhases",
        example=1)] = None
    classification_systems: Annotated[str | None, Param(
        "classificationSystems", "query", "Comma list of classification systems.",
        pattern=comma_list_pattern(CLASSIFICATION_SYSTEMS), max_length=100,
        expected="a comma list of " + ", ".join(CLASSIFICATION_SYSTEMS),
        example="STABU,NL-SfB")] = None
    calc_number: Annotated[str | None, _text(
        "calcNumber", "The contractor's estimate (calculation) number.", 64, "C-2026-014")] = None
    work_number: Annotated[str | None, _text(
        "workNumber", "The contractor's job number.", 64, "W-2026-003")] = None
    status: Annotated[str | None, Param(
        "status", "query", "The project's status: " + ", ".join(PROJECT_STATUSES) + ".",
        pattern=STATUS_PATTERN, expected="one of " + ", ".join(PROJECT_STATUSES),
        example="tender")] = None
    address_1: Annotated[str | None, _text(
        "address_1", "Site address, first line.", 200, "Veldhuizen 10")] = None
    address_2: Annotated[str | None, _text("address_2", "Site address, second line.", 200)] = None
    zip: Annotated[str | None, Param(
        "zip", "query", "Postal code.", pattern=r"^([A-Za-z0-9][A-Za-z0-9 -]{0,15})$",
        max_length=16, expected="letters, digits, spaces or hyphens, up to 16",
        example="3544 NA")] = None
    city: Annotated[str | None, _text("city", "City.", 100, "Utrecht")] = None
    country_code: Annotated[str | None, Param(
        "countryCode", "query", "Country, ISO 3166-1 alpha-2 (NL, BE, DE, AT, …).",
        pattern=r"^([A-Z]{2})$", expected="two capital letters of an assigned country code",
        example="NL")] = None
    client: Annotated[str | None, _text(
        "client", "The client (opdrachtgever).", 200, "Gemeente Utrecht")] = None
    manager: Annotated[str | None, _text("manager", "Project manager.", 200)] = None
    architect: Annotated[str | None, _text("architect", "Architect.", 200)] = None
    constructor: Annotated[str | None, _text(
        "constructor", "Structural engineer (constructeur).", 200)] = None
    calculator: Annotated[str | None, _text("calculator", "Estimator (calculator).", 200)] = None
    inkoper: Annotated[str | None, _text("inkoper", "Buyer (inkoper).", 200)] = None
    werkvoorbereider: Annotated[str | None, _text(
        "werkvoorbereider", "Work planner (werkvoorbereider).", 200)] = None
    planned_start: Annotated[int | None, _date(
        "plannedStart", "Planned start of execution.", 1788220800)] = None
    planned_complete: Annotated[int | None, _date(
        "plannedComplete", "Planned completion.", 1819756800)] = None
    deadline_date: Annotated[int | None, _date(
        "deadlineDate", "The proposal deadline (each workpackage may have its own).",
        1785513600)] = None
    questions_date: Annotated[int | None, _date(
        "questionsDate", "Deadline for questions (the day).")] = None
    questions_time: Annotated[int | None, Param(
        "questionsTime", "query", "Hour of the questions deadline, 1–23.", pattern=HOUR,
        type="integer", expected="a whole hour from 1 to 23", example=12)] = None
    update_date: Annotated[int | None, _date(
        "updateDate", "Date of the tender update (answers to questions).")] = None
    update_time: Annotated[int | None, Param(
        "updateTime", "query", "Hour of the tender update, 1–23.", pattern=HOUR,
        type="integer", expected="a whole hour from 1 to 23")] = None
    tender_date: Annotated[int | None, _date("tenderDate", "Tender date.")] = None
    inspection_date: Annotated[int | None, _date("inspectionDate", "Site visit.")] = None
    reason: Annotated[str | None, Param(
        "reason", "query", "Why subcontractors are asked: prijsopgave (price request), "
        "aanbesteding (tender) or start van het inkooptraject (start of purchasing).",
        pattern="^" + alternation(REASONS) + "$", expected="one of " + ", ".join(REASONS),
        example="prijsopgave")] = None
    building_sectors: Annotated[str | None, Param(
        "buildingSectors", "query", "Comma list of building sectors.",
        pattern=comma_list_pattern(BUILDING_SECTORS), max_length=300,
        expected="a comma list of " + ", ".join(BUILDING_SECTORS),
        example="Bouw,Utiliteitsbouw")] = None
    description: Annotated[str | None, Param(
        "description", "query", "A description for invited subcontractors.",
        pattern=r"^([\s\S]{1,10000})$", max_length=10000,
        expected="text of up to 10,000 characters")] = None


class AddProjectIn(_ProjectFieldsIn, _NewName):
    """The name is required."""


def project_out(project: Project) -> dict[str, Any]:
    out: dict[str, Any] = {attr: getattr(project, attr) for attr in PROJECT_FIELDS.values()}
    for attr, value in out.items():
        if isinstance(value, datetime):
            out[attr] = unix(value)
    out["classification_systems"] = [v for v in (project.classification_systems or "").split(",")
                                     if v]
    out["building_sectors"] = [v for v in (project.building_sectors or "").split(",") if v]
    out.update(id=project.id, created_at=unix(project.created_at),
               updated_at=unix(project.updated_at))
    return out


def _given(args: _ProjectFieldsIn) -> dict[str, Any]:
    sent = args.sent()
    return {name: sent[name] for name in PROJECT_FIELDS if name in sent}


def _add_project(call: Call, args: AddProjectIn) -> ProjectOut:
    project = projects.add_project(call.session, call.ctx, call.principal.company_id, _given(args))
    return ProjectOut.model_validate(project_out(project))


function(api=API, name="addProject", path="/project", tag="Projects", status=201,
         summary="Create a project.", idempotent_writes=True,
         description="Dates are 10-digit unix seconds; questionsTime and updateTime are hours "
                     "(1–23) on questionsDate and updateDate. Comma lists take each value once, "
                     "from the reference lists.",
         input=AddProjectIn, response=ProjectOut)(_add_project)


PROJECT_ID = id_parameter("projectId", "template", "The project's id.", required=True,
                          expected="a project id from getProjects", example=1)


class UpdateProjectIn(_ProjectFieldsIn, _SomeName):
    project_id: Annotated[int, PROJECT_ID]


def _update_project(call: Call, args: UpdateProjectIn) -> ProjectOut:
    project = scoping.load(call.session, scoping.PROJECT_OF_CONTRACTOR, args.project_id,
                           for_company=call.principal.company_id)
    projects.update_project(call.session, call.ctx, project, _given(args))
    return ProjectOut.model_validate(project_out(project))

function(api=API, name="updateProject", path="/projects/{projectId}", tag="Projects",
         summary="Change any of a project's fields; the RFPs of the project show the change.",
         idempotent_writes=True, input=UpdateProjectIn,
         response=ProjectOut, errors=["not_found"])(_update_project)


class GetProjectsIn(Input):
    status: Annotated[str | None, Param(
        "status", "query", "Only projects with this status.", pattern=STATUS_PATTERN,
        expected="one of " + ", ".join(PROJECT_STATUSES), example="tender")] = None
    updated_since: Annotated[int | None, Param(
        "updatedSince", "query", "Only projects changed at or after, unix seconds.",
        pattern=UNIX_PATTERN, type="integer", expected="unix seconds")] = None
    cursor: Annotated[str | None, Param(
        "cursor", "query", "The nextCursor of the previous page.",
        pattern=CURSOR_PATTERN, expected="a nextCursor value")] = None
    limit: Annotated[int | None, Param(
        "limit", "query", "Projects per page, 1–200 (default 50).",
        pattern=LIMIT_PATTERN, type="integer",
        expected="a whole number from 1 to 200", example=50)] = None


def _get_projects(call: Call, args: GetProjectsIn) -> ProjectListOut:
    since = args.updated_since
    page = contractor_queries.list_projects(
        call.session, call.principal.company_id, status=args.status or None,
        updated_since=datetime.fromtimestamp(since, UTC) if since is not None else None,
        after=cursors.after_change(args.cursor) if args.cursor else None,
        limit=args.limit or 50)
    last = page.last_position
    return ProjectListOut(projects=[ProjectOut.model_validate(project_out(p)) for p in page.rows],
                          next_cursor=cursors.by_change(*last) if last else None)


function(api=API, name="getProjects", path="/projects", tag="Projects",
         summary="Your company's projects, ordered by change (oldest change first).",
         description="For an incremental sync pass updatedSince, and follow nextCursor.",
         input=GetProjectsIn, response=ProjectListOut)(_get_projects)


class ProjectIn(Input):
    project_id: Annotated[int, PROJECT_ID]


def _get_project(call: Call, args: ProjectIn) -> ProjectDetailOut:
    session = call.session
    project = scoping.load(session, scoping.PROJECT_OF_CONTRACTOR, args.project_id,
                           for_company=call.principal.company_id)
    counts = projects.workpackage_counts(session, [w.id for w in project.workpackages])
    docs = contractor_queries.project_documents(session, project)
    return ProjectDetailOut.model_validate({
        **project_out(project),
        "workpackages": [workpackage_out(w, counts[w.id]) for w in project.workpackages],
        "documents": [document_out(session, d) for d in docs]})


function(api=API, name="getProject", path="/projects/{projectId}", tag="Projects",
         summary="One project with its workpackages and its documents.",
         input=ProjectIn, response=ProjectDetailOut, errors=["not_found"])(_get_project)
