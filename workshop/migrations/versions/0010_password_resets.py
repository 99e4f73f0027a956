"""password_resets: one-time reset links (digest only); a notice may carry a reset link
instead of a registration

Revision ID: 0010_password_resets
Revises: 0009_training_hours

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0010_password_resets'
down_revision = '0009_training_hours'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'password_resets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('salt', sa.String(length=64), nullable=False),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'],
            name=op.f('fk_password_resets_user_id_users'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
        sa.UniqueConstraint('digest', name=op.f('uq_password_resets_digest')),
    )
    with op.batch_alter_table('password_resets') as batch_op:
        batch_op.create_index(
            'ix_password_resets_user_requested', ['user_id', 'requested_at'], unique=False
        )
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.alter_column('registration_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('password_reset_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_notifications_password_reset_id_password_resets'),
            'password_resets', ['password_reset_id'], ['id'], ondelete='CASCADE',
        )
        batch_op.create_index(
            batch_op.f('ix_notifications_password_reset_id'), ['password_reset_id'], unique=False
        )


def downgrade():
    op.execute('DELETE FROM notifications WHERE registration_id IS NULL')
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_password_reset_id'))
        batch_op.drop_constraint(
            batch_op.f('fk_notifications_password_reset_id_password_resets'), type_='foreignkey'
        )
        batch_op.drop_column('password_reset_id')
        batch_op.alter_column('registration_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('password_resets') as batch_op:
        batch_op.drop_index('ix_password_resets_user_requested')
    op.drop_table('password_resets')
