"""Alembic environment: runs on the engine intake.migrate passes in.

SQLite needs batch mode for ALTER TABLE; the same revisions run on PostgreSQL.
"""

from alembic import context

import intake.accounts.models
import intake.audit.models
import intake.cases.models
import intake.delivery.models
import intake.exports.models
import intake.facilities.models
import intake.records.models
import intake.wagetables.models
import intake.workspace.models
from intake.db import Base

_ = (intake.accounts.models, intake.audit.models, intake.delivery.models, intake.records.models)
_ = (intake.cases.models, intake.exports.models, intake.facilities.models)
_ = (intake.wagetables.models,)
engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
