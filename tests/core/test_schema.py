"""The schema comes from the migrations, and the models agree with it on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bidbridge.models import Base


def test_models_match_migrations(database):
    _, engine = database
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
