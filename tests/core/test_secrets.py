"""No raw key or token in the database or the log output."""

import logging

from sqlalchemy import String, Text, select
from sqlalchemy.types import JSON

from bidbridge.models import Base
from tests.factories import auth, get_token


def all_text(runtime) -> str:
    chunks = []
    with runtime.sessions() as s:
        for table in Base.metadata.sorted_tables:
            cols = [c for c in table.columns if isinstance(c.type, String | Text | JSON)
                    or getattr(c.type, "impl", None) is not None]
            if cols:
                for row in s.execute(select(*cols)):
                    chunks.extend(str(v) for v in row if v is not None)
    return "\n".join(chunks)


def test_keys_and_tokens_never_reach_database_or_logs(client, factory, runtime, caplog):
    caplog.set_level(logging.DEBUG)
    setup = factory.company()
    token = get_token(client, setup)
    forced = get_token(client, setup, force_new=True)
    client.get("/rest/subcontractor/v1/me", headers=auth(token))
    client.post("/rest/subcontractor/v1/tokens", data={"login": setup.login,
                                                       "apiKey": setup.api_key[:-2] + "xx"})
    new_key = factory.generate_key(setup.api_user)
    secrets = [setup.api_key, setup.api_key.split("_", 2)[2], new_key, token, forced]
    stored = all_text(runtime)
    logs = caplog.text
    for secret in secrets:
        assert secret not in stored
        assert secret not in logs
