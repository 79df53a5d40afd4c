"""drop the search entries' access GIN index: searches test access on the matching rows instead

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 09:30:00.000000

The PostgreSQL backend compares ``access`` on the rows the text index found (wiki/search/pg.py:
most entries are readable by most searchers, so scanning this index returned most of the table).
Nothing else reads it, and every upsert and rebuild paid to keep it.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_search_entries_access', postgresql_using='gin')


def downgrade():
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.create_index('ix_search_entries_access', ['access'], unique=False, postgresql_using='gin')
