"""The intake service's own tables (the platform tables live in `shared.messaging.schema`)."""

import sqlalchemy as sa

metadata = sa.MetaData()
