"""users.session_generation ends browser sessions server-side; sign_in_failures counts failed
sign-ins in the database, shared by every worker

Revision ID: 0009_sign_in_security
Revises: 0009_door_history

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0009_sign_in_security'
down_revision = '0009_door_history'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(
            sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False)
        )
    op.create_table(
        'sign_in_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('failed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failures')),
    )
    with op.batch_alter_table('sign_in_failures') as batch_op:
        batch_op.create_index(
            'ix_sign_in_failures_key_failed_at', ['key', 'failed_at'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_sign_in_failures_failed_at'), ['failed_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('sign_in_failures') as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_failures_failed_at'))
        batch_op.drop_index('ix_sign_in_failures_key_failed_at')
    op.drop_table('sign_in_failures')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('session_generation')
