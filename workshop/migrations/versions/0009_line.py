"""LINE: users' linked LINE account and notice channel; notices' progress per channel

Revision ID: 0009_line
Revises: 0009_edit_versions

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0009_line'
down_revision = '0009_edit_versions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('line_user_id', sa.String(length=33), nullable=True))
        batch_op.add_column(sa.Column('line_linked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('line_blocked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column('notice_channel', sa.String(length=10), server_default='email', nullable=False)
        )
        batch_op.create_unique_constraint(batch_op.f('uq_users_line_user_id'), ['line_user_id'])
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.add_column(sa.Column('mailed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('line_sent_at', sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column('line_error', sa.String(length=500), server_default='', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.drop_column('line_error')
        batch_op.drop_column('line_sent_at')
        batch_op.drop_column('mailed_at')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_line_user_id'), type_='unique')
        batch_op.drop_column('notice_channel')
        batch_op.drop_column('line_blocked_at')
        batch_op.drop_column('line_linked_at')
        batch_op.drop_column('line_user_id')
