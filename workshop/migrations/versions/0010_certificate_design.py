"""certificate design: wording, a second signatory, Thai numerals, frame

The wording is empty for every workshop there is: an empty wording means the default wording of
the certificate's type (services.certificate_design). The second signatory's signature and an
uploaded background are rows of certificate_images (kinds "signature2" and "background"), which
needs no change of schema.

Revision ID: 0010_certificate_design
Revises: 0010_record

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_certificate_design'
down_revision = '0010_record'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workshops') as batch_op:
        batch_op.add_column(sa.Column('certificate_wording', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(
            sa.Column('signatory2_name', sa.String(length=200), server_default='', nullable=False)
        )
        batch_op.add_column(
            sa.Column('signatory2_position', sa.String(length=200), server_default='', nullable=False)
        )
        batch_op.add_column(sa.Column('thai_numerals', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(
            sa.Column('certificate_frame', sa.String(length=20), server_default='classic', nullable=False)
        )


def downgrade():
    # Images of the new kinds would name nothing the older code knows.
    op.execute("DELETE FROM certificate_images WHERE kind IN ('signature2', 'background')")
    with op.batch_alter_table('workshops') as batch_op:
        batch_op.drop_column('certificate_frame')
        batch_op.drop_column('thai_numerals')
        batch_op.drop_column('signatory2_position')
        batch_op.drop_column('signatory2_name')
        batch_op.drop_column('certificate_wording')
