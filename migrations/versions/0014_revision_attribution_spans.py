"""revision attribution spans: who last wrote each character, stored per revision

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 07:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    # Existing revisions keep NULL: attribution catches them up from the newest stored spans.
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attribution', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_column('attribution')
