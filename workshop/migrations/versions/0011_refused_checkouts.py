"""refused_scans.checkout: an exit's offline scan refused at sync is kept for the organizer too

Revision ID: 0011_refused_checkouts
Revises: 0010_quotas

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_refused_checkouts'
down_revision = '0010_quotas'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('refused_scans', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('checkout', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('refused_scans', schema=None) as batch_op:
        batch_op.drop_column('checkout')
