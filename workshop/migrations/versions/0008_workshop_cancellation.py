"""workshops.cancelled_at and cancel_reason: a cancellation says when and why

Revision ID: 0008
Revises: 0007

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workshops') as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column('cancel_reason', sa.String(length=500), server_default='', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('workshops') as batch_op:
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('cancelled_at')
