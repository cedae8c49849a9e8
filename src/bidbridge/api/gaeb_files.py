"""Shared parts of the GAEB and spreadsheet functions: reading an upload within the limit and
answering a bill file as a download."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.responses import Response

from bidbridge.errors import AppError
from bidbridge.services.bill import refused

XML = "application/xml"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_ERRORS = ["not_found", "file_too_large", "xml_malformed", "xml_forbidden", "gaeb_invalid",
               "gaeb_wrong_phase"]


def read_upload(file: UploadFile, parameter: str, max_bytes: int) -> bytes:
    """The upload's bytes; one byte past the limit is enough to refuse it."""
    data = file.file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise refused(parameter, f"the file is larger than the limit of {max_bytes:,} bytes.",
                      code="file_too_large", status=413, limit=max_bytes)
    return data


def file_response(data: bytes, filename: str, media_type: str = XML) -> Response:
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Content-Type-Options": "nosniff"})


def spreadsheet_refused(exc: Exception, parameter: str) -> AppError:
    """An ImportRefused as the API answers it: every wrong cell with its row and column."""
    rows = [dict(e.__dict__) for e in getattr(exc, "errors", [])]
    first = str(getattr(exc, "errors", [exc])[0])
    return AppError(f"'{parameter}': nothing was imported, {len(rows)} problem(s) in the "
                    f"spreadsheet. {first}", code="spreadsheet_refused", status=422,
                    data={"parameter": parameter, "problems": rows})
