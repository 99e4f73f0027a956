"""training hours per session, the hours or sessions rule, check-out, excused absences

Existing workshops keep the session-count rule they were made under; workshops made from now on
count hours (the column's default). Existing sessions get their default hours: their length less
the configured lunch break (WORKSHOP_LUNCH_BREAK).

Revision ID: 0009_training_hours
Revises: 0009_sign_in_security

"""
from datetime import UTC

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_training_hours'
down_revision = '0009_sign_in_security'
branch_labels = None
depends_on = None


def _session_hours() -> None:
    from workshop.services.attendance import default_hours

    connection = op.get_bind()
    query = sa.text("SELECT id, starts_at, ends_at FROM workshop_sessions").columns(
        id=sa.Integer(), starts_at=sa.DateTime(), ends_at=sa.DateTime()
    )
    for session_id, starts_at, ends_at in connection.execute(query).fetchall():
        # Stored as naive UTC (models.types.UTCDateTime).
        hours = default_hours(starts_at.replace(tzinfo=UTC), ends_at.replace(tzinfo=UTC))
        connection.execute(
            sa.text("UPDATE workshop_sessions SET hours = :hours WHERE id = :id").bindparams(
                sa.bindparam("hours", type_=sa.Numeric(5, 2))
            ),
            {"hours": hours, "id": session_id},
        )


def upgrade():
    with op.batch_alter_table('workshop_sessions') as batch_op:
        batch_op.add_column(sa.Column('hours', sa.Numeric(precision=5, scale=2), nullable=True))
    _session_hours()
    with op.batch_alter_table('workshop_sessions') as batch_op:
        batch_op.alter_column('hours', existing_type=sa.Numeric(precision=5, scale=2), nullable=False)
        batch_op.create_check_constraint('hours_range', 'hours >= 0 AND hours <= 24')

    with op.batch_alter_table('workshops') as batch_op:
        batch_op.add_column(
            sa.Column('attendance_rule', sa.String(length=10), server_default='hours', nullable=False)
        )
        batch_op.add_column(
            sa.Column('checkout_enabled', sa.Boolean(), server_default='0', nullable=False)
        )
        batch_op.add_column(sa.Column('excused_count', sa.Boolean(), server_default='0', nullable=False))
    # The workshops there are keep the rule they were made under; new ones count hours.
    op.execute("UPDATE workshops SET attendance_rule = 'sessions'")

    with op.batch_alter_table('checkins') as batch_op:
        batch_op.add_column(sa.Column('checked_out_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('checkout_staff_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_checkins_checkout_staff_id_users'), 'users', ['checkout_staff_id'], ['id']
        )

    op.create_table('excused_absences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_excused_absences_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_excused_absences_registration_id_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['workshop_sessions.id'], name=op.f('fk_excused_absences_session_id_workshop_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_excused_absences')),
    sa.UniqueConstraint('registration_id', 'session_id', name=op.f('uq_excused_absences_registration_id_session_id'))
    )
    with op.batch_alter_table('excused_absences') as batch_op:
        batch_op.create_index(batch_op.f('ix_excused_absences_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_excused_absences_session_id'), ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('excused_absences') as batch_op:
        batch_op.drop_index(batch_op.f('ix_excused_absences_session_id'))
        batch_op.drop_index(batch_op.f('ix_excused_absences_registration_id'))
    op.drop_table('excused_absences')

    with op.batch_alter_table('checkins') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_checkins_checkout_staff_id_users'), type_='foreignkey')
        batch_op.drop_column('checkout_staff_id')
        batch_op.drop_column('checked_out_at')

    with op.batch_alter_table('workshops') as batch_op:
        batch_op.drop_column('excused_count')
        batch_op.drop_column('checkout_enabled')
        batch_op.drop_column('attendance_rule')

    with op.batch_alter_table('workshop_sessions') as batch_op:
        batch_op.drop_constraint(op.f('ck_workshop_sessions_hours_range'), type_='check')
        batch_op.drop_column('hours')
