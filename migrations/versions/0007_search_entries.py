"""search entries (the table of the PostgreSQL search backend; empty under Whoosh)

Revision ID: 0007
Revises: 0012
Create Date: 2026-12-06 01:38:28.443961

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_entries',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('group_key', sa.String(length=100), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('day', sa.Integer(), nullable=False),
    sa.Column('access', postgresql.ARRAY(sa.String(length=80)).with_variant(sa.JSON(), 'sqlite'), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('headings', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('anchor', sa.String(length=300), nullable=False),
    sa.Column('stamp', sa.String(length=32), nullable=False),
    sa.Column('tsv', postgresql.TSVECTOR().with_variant(sa.Text(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_search_entries'))
    )
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.create_index('ix_search_entries_access', ['access'], unique=False, postgresql_using='gin')
        batch_op.create_index(batch_op.f('ix_search_entries_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_entries_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_entries_group_key'), ['group_key'], unique=False)
        batch_op.create_index('ix_search_entries_tsv', ['tsv'], unique=False, postgresql_using='gin')



def downgrade():
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_search_entries_tsv', postgresql_using='gin')
        batch_op.drop_index(batch_op.f('ix_search_entries_group_key'))
        batch_op.drop_index(batch_op.f('ix_search_entries_document_id'))
        batch_op.drop_index(batch_op.f('ix_search_entries_author_id'))
        batch_op.drop_index('ix_search_entries_access', postgresql_using='gin')

    op.drop_table('search_entries')
