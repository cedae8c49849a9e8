"""API credentials for the demo data of either API, for the example run and newman."""

from __future__ import annotations

from sqlalchemy import select

from bidbridge.api.declare import Api
from bidbridge.demo import GC_ADMIN, GC_NAME, load_demo
from bidbridge.models import Company
from bidbridge.services import accounts, api_access, api_keys
from bidbridge.services.context import Actor, RequestContext
from bidbridge.services.runtime import Runtime


def demo_credentials(runtime: Runtime, api: Api, base_url: str = "http://127.0.0.1:8000"
                     ) -> tuple[str, str]:
    """(login, fresh API key) of the demo company of ``api``; loads the demo data first."""
    summary = load_demo(runtime, base_url=base_url, new_api_key=api == "subcontractor")
    if api == "subcontractor":
        assert summary.api_key is not None
        return summary.api_user, summary.api_key
    ctx = RequestContext(actor=Actor("support", None, "Demo support"), clock=runtime.clock)
    with runtime.sessions() as session, session.begin():
        gc = session.scalar(select(Company).where(Company.name == GC_NAME))
        admin = accounts.get_contact_by_email(session, GC_ADMIN[1])
        assert gc is not None and admin is not None
        module = api_access.get_module(session, gc.id)
        if module is None or not module.active or module.api_user_id != admin.id:
            api_access.activate_api(session, ctx, gc, admin)
        user_ctx = ctx.acting_as(Actor("contact", admin.id, admin.name, gc.id))
        _, key = api_keys.generate_key(session, user_ctx, admin, pepper=runtime.settings.pepper,
                                       pepper_id=runtime.settings.pepper_id)
    return admin.email, key


def main() -> None:
    """python -m bidbridge.api.docs.demo_access API — print {"login", "apiKey"} as JSON."""
    import json
    import sys

    from bidbridge.config import Settings

    api = sys.argv[1] if len(sys.argv) > 1 else "subcontractor"
    if api not in ("subcontractor", "contractor"):
        raise SystemExit("usage: python -m bidbridge.api.docs.demo_access subcontractor|contractor")
    runtime = Runtime.create(Settings())
    try:
        login, key = demo_credentials(runtime, api)  # type: ignore[arg-type]
    finally:
        runtime.close()
    print(json.dumps({"login": login, "apiKey": key}))


if __name__ == "__main__":
    main()
