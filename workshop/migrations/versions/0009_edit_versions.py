"""workshops.version and venues.version (stale edits are refused); certificate images re-encoded
without their metadata

Revision ID: 0009_edit_versions
Revises: 0009_evaluation

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0009_edit_versions'
down_revision = '0009_evaluation'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE on SQLite too (3.35+ drops columns in place): a batch operation would
    # copy and drop the table, which its foreign keys refuse once it holds rows.
    for table in ('workshops', 'venues'):
        op.add_column(table, sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    _strip_image_metadata()


def _strip_image_metadata():
    """Images uploaded before uploads were re-encoded still carry EXIF (a GPS position, a
    description) into every certificate PDF: re-encode them the way uploads are now."""
    from workshop.services.certificate_images import check_image
    from workshop.services.errors import ValidationFailed

    connection = op.get_bind()
    images = sa.table(
        'certificate_images',
        sa.column('id', sa.Integer),
        sa.column('data', sa.LargeBinary),
        sa.column('width', sa.Integer),
        sa.column('height', sa.Integer),
    )
    for image_id, data in connection.execute(sa.select(images.c.id, images.c.data)).all():
        try:
            clean = check_image(data)
        except ValidationFailed:
            continue  # accepted once under other rules: left as it is
        connection.execute(
            images.update()
            .where(images.c.id == image_id)
            .values(data=clean.data, width=clean.width, height=clean.height)
        )


def downgrade():
    # The removed image metadata is not restored.
    for table in ('venues', 'workshops'):
        op.drop_column(table, 'version')
