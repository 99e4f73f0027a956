"""live check-in counters per session

Revision ID: 0006
Revises: 0005

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('checkin_tallies',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('checked_in', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['workshop_sessions.id'], name=op.f('fk_checkin_tallies_session_id_workshop_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'slot', name=op.f('pk_checkin_tallies'))
    )
    # Sessions that already have check-ins start from their real count (in slot 0).
    op.execute(
        "INSERT INTO checkin_tallies (session_id, slot, checked_in) "
        "SELECT session_id, 0, count(*) FROM checkins GROUP BY session_id"
    )


def downgrade():
    op.drop_table('checkin_tallies')
