"""quotas: seats a workshop reserves per office, nomination links, the release date

Revision ID: 0010_quotas
Revises: 0010_cohorts

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0010_quotas'
down_revision = '0010_cohorts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'workshop_quotas',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('workshop_id', sa.Integer(), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('seats', sa.Integer(), nullable=False),
        sa.Column('filled', sa.Integer(), server_default='0', nullable=False),
        sa.CheckConstraint(
            'filled >= 0 AND filled <= seats', name=op.f('ck_workshop_quotas_filled_within_seats')
        ),
        sa.ForeignKeyConstraint(
            ['office_id'], ['offices.id'], name=op.f('fk_workshop_quotas_office_id_offices')
        ),
        sa.ForeignKeyConstraint(
            ['workshop_id'], ['workshops.id'], ondelete='CASCADE',
            name=op.f('fk_workshop_quotas_workshop_id_workshops'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_quotas')),
        sa.UniqueConstraint('workshop_id', 'office_id', name='uq_workshop_quotas_office'),
    )
    with op.batch_alter_table('workshop_quotas') as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_quotas_office_id'), ['office_id'])
        batch_op.create_index(batch_op.f('ix_workshop_quotas_workshop_id'), ['workshop_id'])

    op.create_table(
        'nomination_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('quota_id', sa.Integer(), nullable=False),
        sa.Column('token_digest', sa.String(length=64), nullable=False),
        sa.Column('head_name', sa.String(length=200), nullable=False),
        sa.Column('head_email', sa.String(length=254), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['created_by_id'], ['users.id'], name=op.f('fk_nomination_links_created_by_id_users')
        ),
        sa.ForeignKeyConstraint(
            ['quota_id'], ['workshop_quotas.id'], ondelete='CASCADE',
            name=op.f('fk_nomination_links_quota_id_workshop_quotas'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_nomination_links')),
        sa.UniqueConstraint('token_digest', name=op.f('uq_nomination_links_token_digest')),
    )
    with op.batch_alter_table('nomination_links') as batch_op:
        batch_op.create_index(batch_op.f('ix_nomination_links_quota_id'), ['quota_id'])

    with op.batch_alter_table('workshops') as batch_op:
        batch_op.add_column(
            sa.Column('reserved_unfilled', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.add_column(sa.Column('quota_release_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('quotas_released_at', sa.DateTime(), nullable=True))
        batch_op.create_check_constraint(
            'reserved_within_capacity',
            'reserved_unfilled >= 0 AND confirmed_count + reserved_unfilled <= capacity',
        )

    with op.batch_alter_table('registrations') as batch_op:
        batch_op.add_column(sa.Column('quota_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_registrations_quota_id'), ['quota_id'])
        batch_op.create_foreign_key(
            batch_op.f('fk_registrations_quota_id_workshop_quotas'),
            'workshop_quotas', ['quota_id'], ['id'], ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_registrations_quota_id_workshop_quotas'), type_='foreignkey'
        )
        batch_op.drop_index(batch_op.f('ix_registrations_quota_id'))
        batch_op.drop_column('quota_id')
    with op.batch_alter_table('workshops') as batch_op:
        batch_op.drop_constraint(op.f('ck_workshops_reserved_within_capacity'), type_='check')
        batch_op.drop_column('quotas_released_at')
        batch_op.drop_column('quota_release_at')
        batch_op.drop_column('reserved_unfilled')
    op.drop_table('nomination_links')
    op.drop_table('workshop_quotas')
