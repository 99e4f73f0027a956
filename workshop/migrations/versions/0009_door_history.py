"""door history: registration status changes, retired ticket secrets, scans refused at sync;
the live check-in counter counts confirmed registrations only

Revision ID: 0009_door_history
Revises: 0009_line

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_door_history'
down_revision = '0009_line'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('registration_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_registration_status_changes_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_status_changes'))
    )
    with op.batch_alter_table('registration_status_changes', schema=None) as batch_op:
        batch_op.create_index('ix_registration_status_changes_registration_at', ['registration_id', 'changed_at'], unique=False)

    op.create_table('retired_ticket_secrets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('secret', sa.String(length=32), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_retired_ticket_secrets_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retired_ticket_secrets'))
    )
    with op.batch_alter_table('retired_ticket_secrets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retired_ticket_secrets_registration_id'), ['registration_id'], unique=False)

    op.create_table('refused_scans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('scanned_at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('checkin_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['checkin_id'], ['checkins.id'], name=op.f('fk_refused_scans_checkin_id_checkins'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_refused_scans_registration_id_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_refused_scans_resolved_by_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['workshop_sessions.id'], name=op.f('fk_refused_scans_session_id_workshop_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['users.id'], name=op.f('fk_refused_scans_staff_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refused_scans'))
    )
    with op.batch_alter_table('refused_scans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refused_scans_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refused_scans_session_id'), ['session_id'], unique=False)

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_entity', ['entity_type', 'entity_id'], unique=False)

    # The history so far, as far as the registrations tell it: when each was confirmed (a
    # seat still held, or held until it was cancelled), is waiting, or was cancelled.
    op.execute(
        "INSERT INTO registration_status_changes (registration_id, status, changed_at) "
        "SELECT id, 'confirmed', COALESCE(confirmed_at, created_at) FROM registrations "
        "WHERE confirmed_at IS NOT NULL OR status = 'confirmed'"
    )
    op.execute(
        "INSERT INTO registration_status_changes (registration_id, status, changed_at) "
        "SELECT id, 'waitlisted', created_at FROM registrations WHERE status = 'waitlisted'"
    )
    op.execute(
        "INSERT INTO registration_status_changes (registration_id, status, changed_at) "
        "SELECT id, 'cancelled', COALESCE(cancelled_at, created_at) FROM registrations "
        "WHERE status = 'cancelled'"
    )
    # The door's counter now counts the check-ins of confirmed registrations only.
    _recount("WHERE r.status = 'confirmed'")


def downgrade():
    _recount("")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_entity')

    with op.batch_alter_table('refused_scans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refused_scans_session_id'))
        batch_op.drop_index(batch_op.f('ix_refused_scans_registration_id'))
    op.drop_table('refused_scans')

    with op.batch_alter_table('retired_ticket_secrets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retired_ticket_secrets_registration_id'))
    op.drop_table('retired_ticket_secrets')

    with op.batch_alter_table('registration_status_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_registration_status_changes_registration_at')
    op.drop_table('registration_status_changes')


def _recount(condition: str) -> None:
    """Every session's counter from its check-ins (in slot 0)."""
    op.execute("DELETE FROM checkin_tallies")
    op.execute(
        "INSERT INTO checkin_tallies (session_id, slot, checked_in) "
        "SELECT c.session_id, 0, count(*) FROM checkins c "
        f"JOIN registrations r ON r.id = c.registration_id {condition} GROUP BY c.session_id"
    )
