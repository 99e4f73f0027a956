"""transcripts (their verification codes), organizers' messages, reminders: notices' dedupe
keys and message, workshops' reminder days and when
their certificate-ready notices were queued (issue 16)

Revision ID: 0010_record
Revises: 0010_password_resets

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0010_record'
down_revision = '0010_password_resets'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'transcripts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.Column('workshop_count', sa.Integer(), nullable=False),
        sa.Column('total_hours', sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column('first_fiscal_year', sa.Integer(), nullable=True),
        sa.Column('last_fiscal_year', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    op.create_index('ix_transcripts_user_id', 'transcripts', ['user_id'])
    op.create_table(
        'workshop_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('workshop_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('audience', sa.String(length=20), nullable=False),
        sa.Column('subject', sa.String(length=150), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('recipients', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['users.id']),
        sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_workshop_messages_workshop_id', 'workshop_messages', ['workshop_id'])
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('message_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint('uq_notifications_dedupe_key', ['dedupe_key'])
        batch_op.create_index('ix_notifications_message_id', ['message_id'])
        batch_op.create_foreign_key(
            'fk_notifications_message_id_workshop_messages', 'workshop_messages', ['message_id'], ['id'],
            ondelete='CASCADE',
        )
    with op.batch_alter_table('workshops') as batch_op:
        batch_op.add_column(sa.Column('reminder_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('certificate_notices_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('workshops') as batch_op:
        batch_op.drop_column('certificate_notices_at')
        batch_op.drop_column('reminder_days')
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.drop_constraint('fk_notifications_message_id_workshop_messages', type_='foreignkey')
        batch_op.drop_index('ix_notifications_message_id')
        batch_op.drop_constraint('uq_notifications_dedupe_key', type_='unique')
        batch_op.drop_column('message_id')
        batch_op.drop_column('dedupe_key')
    op.drop_index('ix_workshop_messages_workshop_id', table_name='workshop_messages')
    op.drop_table('workshop_messages')
    op.drop_index('ix_transcripts_user_id', table_name='transcripts')
    op.drop_table('transcripts')
