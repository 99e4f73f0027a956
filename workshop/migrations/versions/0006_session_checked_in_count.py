"""checked-in counter per session

Revision ID: 0006
Revises: 0004

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workshop_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checked_in_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint('checked_in_count_positive', 'checked_in_count >= 0')
    # Sessions that already have check-ins start from their real count.
    op.execute(
        "UPDATE workshop_sessions SET checked_in_count = "
        "(SELECT count(*) FROM checkins WHERE checkins.session_id = workshop_sessions.id)"
    )


def downgrade():
    with op.batch_alter_table('workshop_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_workshop_sessions_checked_in_count_positive'), type_='check')
        batch_op.drop_column('checked_in_count')
