"""addWorkpackage, addBudgetLines and addDocument (contractor API)."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Annotated

from pydantic import TypeAdapter
from starlette.datastructures import UploadFile

from bidbridge.api.call import Call
from bidbridge.api.contractor.outputs import (
    DocumentOut,
    WorkpackageOut,
    document_out,
    id_param,
    workpackage_out,
)
from bidbridge.api.contractor.projects import DATE, PROJECT_ID, line_pattern
from bidbridge.api.declare import Api, Input, Param, function, id_parameter
from bidbridge.clock import unix
from bidbridge.errors import InvalidParameters
from bidbridge.services import projects, scoping
from bidbridge.services.budget_setup import BudgetLineInput, NewLine, add_budget_lines
from bidbridge.services.documents import Upload
from bidbridge.services.projects import WorkpackageCounts
from bidbridge.services.tender_documents import add_tender_document
from bidbridge.wire.contractor.workpackages import (
    BudgetLineOut,
    BudgetLinesOut,
)

API: Api = "contractor"
WORKPACKAGE_ID = id_param("workpackageId", "workpackage", "getProject")


class AddWorkpackageIn(Input):
    project_id: Annotated[int, PROJECT_ID]
    code: Annotated[str | None, Param(
        "code", "query", "Your code for the workpackage, e.g. a STABU chapter.",
        pattern=r"^([A-Za-z0-9][A-Za-z0-9._/ -]{0,63})$", max_length=64,
        expected="letters, digits and . _ / - or spaces, up to 64", example="22")] = None
    name: Annotated[str, Param(
        "name", "query", "The workpackage's name.", pattern=line_pattern(200),
        max_length=200, required=True, expected="text on one line, 1 to 200 characters",
        example="Metselwerk")]
    description: Annotated[str | None, Param(
        "description", "query", "The external description subcontractors see.",
        pattern=r"^([\s\S]{1,10000})$", max_length=10000,
        expected="text of up to 10,000 characters",
        example="Gevelmetselwerk incl. voegwerk")] = None
    deadline: Annotated[int | None, Param(
        "deadline", "query", "An own proposal deadline, overriding the project's. "
        "Unix seconds (10 digits).", pattern=DATE, type="integer",
        expected="a 10-digit unix timestamp in seconds")] = None


def _add_workpackage(call: Call, args: AddWorkpackageIn) -> WorkpackageOut:
    project = scoping.load(call.session, scoping.PROJECT_OF_CONTRACTOR, args.project_id,
                           for_company=call.principal.company_id)
    wp = projects.add_workpackage(call.session, call.ctx, project, name=args.name,
                                  code=args.code, description=args.description,
                                  deadline=args.deadline)
    return WorkpackageOut.model_validate(workpackage_out(wp, WorkpackageCounts(0, 0, 0)))


function(api=API, name="addWorkpackage", path="/projects/{projectId}/workpackages",
         tag="Projects", status=201, idempotent_writes=True,
         summary="Add a workpackage (a trade) to a project.",
         input=AddWorkpackageIn, response=WorkpackageOut, errors=["not_found"])(_add_workpackage)


# The rules for a line live in the service; the API reads JSON lines by them.
BudgetLineIn = BudgetLineInput


LINES = TypeAdapter(list[BudgetLineIn])


class AddBudgetLinesIn(Input):
    workpackage_id: Annotated[int, WORKPACKAGE_ID]
    lines: Annotated[list[BudgetLineIn], Param(
        "lines", "query", "A JSON list of lines: code (optional), description, "
        "quantity (a decimal, up to 3 places; a string or JSON number) and unit.",
        type="json", adapter=LINES, required=True,
        expected='a JSON list like [{"code": "22.01", "description": "Metselwerk '
                 'gevel", "quantity": "120.5", "unit": "m2"}]',
        example='[{"code": "22.01", "description": "Metselwerk gevel", '
                '"quantity": "120.5", "unit": "m2"}]')]


def _add_budget_lines(call: Call, args: AddBudgetLinesIn) -> BudgetLinesOut:
    wp = scoping.load(call.session, scoping.WORKPACKAGE_OF_CONTRACTOR, args.workpackage_id,
                      for_company=call.principal.company_id)
    lines = args.lines
    if not lines:
        raise InvalidParameters("lines: the list is empty; send at least one line.", data={
            "errors": [{"parameter": "lines", "in": "query", "problem": "missing",
                        "message": "empty list"}]})
    rows = add_budget_lines(call.session, call.ctx, wp, call.principal.company_id,
                            [NewLine(line.description, line.quantity, line.unit,
                                     line.code or None) for line in lines])
    return BudgetLinesOut(workpackage_id=wp.id, lines=[BudgetLineOut(
        id=r.id, code=r.code, description=r.description,
        quantity=format(r.quantity.quantize(Decimal("0.001")), "f"), unit=r.unit,
        position=r.position, updated_at=unix(r.updated_at)) for r in rows])


function(api=API, name="addBudgetLines", path="/workpackages/{workpackageId}/budget-lines",
         tag="Projects", status=201, idempotent_writes=True,
         summary="Append budget lines (the bill of quantities) to a workpackage.",
         description="Every RFP of the workpackage shows the change (its updatedAt moves).",
         input=AddBudgetLinesIn, response=BudgetLinesOut, errors=["not_found"])(
    _add_budget_lines)


def upload_of(file: UploadFile) -> Upload:
    """A multipart file as the documents service takes it; the name without any client path."""
    name = os.path.basename((file.filename or "document").replace("\\", "/"))[-255:] or "document"
    return Upload(name, file.content_type or "application/octet-stream", file.file)


class AddDocumentIn(Input):
    project_id: Annotated[int, PROJECT_ID]
    file: Annotated[UploadFile, Param(
        "file", "query", "The document.", type="file", required=True,
        expected="one file in a multipart/form-data body")]
    workpackage_id: Annotated[int | None, id_parameter(
        "workpackageId", "query", "Attach to this workpackage of the project "
        "instead of the project as a whole.", expected="a workpackage id of this project")] = None
    replaces_document_id: Annotated[int | None, id_parameter(
        "replacesDocumentId", "query", "Upload a new version of this document.",
        expected="a document id of this project")] = None


def _add_document(call: Call, args: AddDocumentIn) -> DocumentOut:
    session = call.session
    company_id = call.principal.company_id
    project = scoping.load(session, scoping.PROJECT_OF_CONTRACTOR, args.project_id, for_company=company_id)
    wp = None
    if args.workpackage_id is not None:
        wp = scoping.load(session, scoping.WORKPACKAGE_OF_CONTRACTOR, args.workpackage_id,
                          for_company=company_id)
        if wp.project_id != project.id:
            raise InvalidParameters(
                f"workpackageId: workpackage {wp.id} belongs to another project than "
                f"{project.id}.", data={"errors": [{
                    "parameter": "workpackageId", "in": "query", "problem": "invalid",
                    "message": "not a workpackage of this project"}]})
    doc = add_tender_document(session, call.ctx, call.runtime.storage, upload_of(args.file),
                              project=project, workpackage=wp,
                              replaces_id=args.replaces_document_id,
                              max_bytes=call.runtime.settings.max_upload_bytes)
    return DocumentOut.model_validate(document_out(session, doc))


function(api=API, name="addDocument", path="/projects/{projectId}/documents", tag="Projects",
         status=201, idempotent_writes=True,
         summary="Upload a tender document to a project or one of its workpackages.",
         description="multipart/form-data. Any file type. With replacesDocumentId the file "
                     "becomes the document's next version; older versions are kept.",
         input=AddDocumentIn, response=DocumentOut,
         errors=["not_found", "file_too_large", "storage_unavailable"])(_add_document)
