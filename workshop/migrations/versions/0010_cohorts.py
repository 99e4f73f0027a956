"""cohorts: a workshop copied as the next cohort (รุ่นที่ 2) numbers within its series

Revision ID: 0010_cohorts
Revises: 0010_offices

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_cohorts'
down_revision = '0010_offices'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workshops') as batch_op:
        batch_op.add_column(sa.Column('cohort', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_workshops_series_id'), ['series_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_workshops_series_id_workshops'), 'workshops', ['series_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('workshops') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_workshops_series_id_workshops'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_workshops_series_id'))
        batch_op.drop_column('series_id')
        batch_op.drop_column('cohort')
