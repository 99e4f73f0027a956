"""offices: workshops, people, certificate series and audit events belong to an office

Each distinct organizing-agency text of the workshops, whitespace aside, becomes an office
(named as the first workshop wrote it, runs of spaces made one and ends trimmed); province and district are read from the name
(จังหวัด…, อำเภอ…) with their DOPA codes, and a district office hangs under its province's
office when there is one. Organizers, staff and officers whose agency text names an office
join it; an organizer or staff member who does not, joins the office of the workshops they
created. Certificates keep their numbers: their series is now (office, fiscal year), and where
two old series of one office had issued the same number, the later certificates keep their old
agency text in ``legacy_series``. Each office's counter continues after its highest number.

Revision ID: 0010_offices
Revises: 0010_certificate_design

"""
import re
from collections import Counter

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_offices'
down_revision = '0010_certificate_design'
branch_labels = None
depends_on = None


def normalise(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def key(text: str | None) -> str:
    """What makes two agency texts one office: the same letters, whatever the spaces (Thai
    writes no space between words, so a space inside a name is a slip of the keyboard)."""
    return re.sub(r"\s+", "", text or "")


def _place(name: str) -> dict[str, str]:
    """Province and district (with DOPA codes) named in an office's name, as far as it says."""
    from workshop.thai.districts import districts, province_codes

    compact = name.replace(" ", "")
    found = {"province": "", "province_code": "", "district": "", "district_code": ""}
    province = re.search(r"จังหวัด(\S+)", compact)
    if province and province.group(1) in province_codes():
        found["province"] = province.group(1)
        found["province_code"] = province_codes()[province.group(1)]
    district = re.search(r"อำเภอ(\S+?)(?:จังหวัด|$)", compact)
    if district:
        matches = [
            d
            for d in districts()
            if d.name == district.group(1)
            and (not found["province"] or d.province == found["province"])
        ]
        if len(matches) == 1:
            found.update(
                province=matches[0].province,
                province_code=matches[0].province_code,
                district=matches[0].name,
                district_code=matches[0].code,
            )
    return found


def _map_offices(connection) -> None:
    agencies = connection.execute(sa.text("SELECT id, organizing_agency FROM workshops")).all()
    offices: dict[str, int] = {}
    for _, agency in sorted(agencies):  # the first workshop's spelling names the office
        name = normalise(agency)
        if key(name) in offices:
            continue
        place = _place(name)
        offices[key(name)] = connection.execute(
            sa.text(
                "INSERT INTO offices (name, short_name, province, province_code, district,"
                " district_code, created_at) VALUES (:name, '', :province, :province_code,"
                " :district, :district_code, CURRENT_TIMESTAMP) RETURNING id"
            ),
            {"name": name, **place},
        ).scalar_one()
    # A district office under its province's office, when the province's office is there.
    rows = connection.execute(
        sa.text("SELECT id, province_code, district_code FROM offices")
    ).all()
    provincial = {p: i for i, p, d in rows if p and not d}
    for office_id, province_code, district_code in rows:
        if district_code and province_code in provincial:
            connection.execute(
                sa.text("UPDATE offices SET parent_id = :p WHERE id = :id"),
                {"p": provincial[province_code], "id": office_id},
            )
    for workshop_id, agency in agencies:
        connection.execute(
            sa.text("UPDATE workshops SET office_id = :o WHERE id = :id"),
            {"o": offices[key(agency)], "id": workshop_id},
        )

    users = connection.execute(sa.text("SELECT id, role, agency FROM users")).all()
    created = Counter(
        connection.execute(
            sa.text("SELECT created_by_id, office_id FROM workshops WHERE created_by_id IS NOT NULL")
        ).all()
    )
    for user_id, role, agency in users:
        office_id = offices.get(key(agency))
        if office_id is None and role in ("organizer", "staff"):
            theirs = [(n, o) for (u, o), n in created.items() if u == user_id]
            office_id = max(theirs)[1] if theirs else None
        if office_id is not None:
            connection.execute(
                sa.text("UPDATE users SET office_id = :o WHERE id = :id"),
                {"o": office_id, "id": user_id},
            )


def _certificates(connection) -> None:
    connection.execute(
        sa.text(
            "UPDATE certificates SET office_id = (SELECT w.office_id FROM registrations r"
            " JOIN workshops w ON w.id = r.workshop_id WHERE r.id = certificates.registration_id)"
        )
    )
    rows = connection.execute(
        sa.text(
            "SELECT id, office_id, fiscal_year, number, organizing_agency FROM certificates"
            " ORDER BY id"
        )
    ).all()
    seen: set[tuple[int, int, int]] = set()
    for certificate_id, office_id, fiscal_year, number, agency in rows:
        key = (office_id, fiscal_year, number)
        if key in seen:  # an old series of the same office issued this number already
            connection.execute(
                sa.text("UPDATE certificates SET legacy_series = :s WHERE id = :id"),
                {"s": agency, "id": certificate_id},
            )
        seen.add(key)


def upgrade():
    op.create_table('offices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('short_name', sa.String(length=50), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('province', sa.String(length=100), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.Column('district_code', sa.String(length=4), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['offices.id'], name=op.f('fk_offices_parent_id_offices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offices')),
    sa.UniqueConstraint('name', name=op.f('uq_offices_name'))
    )
    with op.batch_alter_table('offices') as batch_op:
        batch_op.create_index(batch_op.f('ix_offices_parent_id'), ['parent_id'], unique=False)

    for table in ('users', 'workshops', 'audit_events'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('office_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_office_id'), ['office_id'], unique=False)
            batch_op.create_foreign_key(
                batch_op.f(f'fk_{table}_office_id_offices'), 'offices', ['office_id'], ['id']
            )
    with op.batch_alter_table('certificates') as batch_op:
        batch_op.add_column(sa.Column('office_id', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('legacy_series', sa.String(length=200), server_default='', nullable=False)
        )

    connection = op.get_bind()
    _map_offices(connection)
    _certificates(connection)
    # The trail's existing events of a workshop or its registrations belong to its office.
    connection.execute(sa.text(
        "UPDATE audit_events SET office_id = (SELECT office_id FROM workshops"
        " WHERE workshops.id = audit_events.entity_id) WHERE entity_type = 'workshops'"
    ))
    connection.execute(sa.text(
        "UPDATE audit_events SET office_id = (SELECT w.office_id FROM registrations r"
        " JOIN workshops w ON w.id = r.workshop_id WHERE r.id = audit_events.entity_id)"
        " WHERE entity_type = 'registrations'"
    ))
    connection.execute(sa.text(
        "UPDATE audit_events SET office_id = (SELECT office_id FROM certificates"
        " WHERE certificates.id = audit_events.entity_id) WHERE entity_type = 'certificates'"
    ))

    with op.batch_alter_table('workshops') as batch_op:
        batch_op.alter_column('office_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('certificates') as batch_op:
        batch_op.alter_column('office_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(
            'uq_certificates_organizing_agency_fiscal_year_number', type_='unique'
        )
        batch_op.create_unique_constraint(
            batch_op.f('uq_certificates_office_id_fiscal_year_number_legacy_series'),
            ['office_id', 'fiscal_year', 'number', 'legacy_series'],
        )
        batch_op.create_index(batch_op.f('ix_certificates_office_id'), ['office_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_certificates_office_id_offices'), 'offices', ['office_id'], ['id']
        )

    op.drop_table('certificate_counters')
    op.create_table('certificate_counters',
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_certificate_counters_office_id_offices')),
    sa.PrimaryKeyConstraint('office_id', 'fiscal_year', name=op.f('pk_certificate_counters'))
    )
    op.execute(
        "INSERT INTO certificate_counters (office_id, fiscal_year, last_number)"
        " SELECT office_id, fiscal_year, MAX(number) FROM certificates"
        " GROUP BY office_id, fiscal_year"
    )


def downgrade():
    # Series per agency text again; each continues after its highest number.
    op.drop_table('certificate_counters')
    op.create_table('certificate_counters',
    sa.Column('organizing_agency', sa.String(length=200), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('organizing_agency', 'fiscal_year', name=op.f('pk_certificate_counters'))
    )
    op.execute(
        "INSERT INTO certificate_counters (organizing_agency, fiscal_year, last_number)"
        " SELECT organizing_agency, fiscal_year, MAX(number) FROM certificates"
        " GROUP BY organizing_agency, fiscal_year"
    )
    with op.batch_alter_table('certificates') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificates_office_id_offices'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_certificates_office_id'))
        batch_op.drop_constraint(
            batch_op.f('uq_certificates_office_id_fiscal_year_number_legacy_series'), type_='unique'
        )
        batch_op.create_unique_constraint(
            'uq_certificates_organizing_agency_fiscal_year_number',
            ['organizing_agency', 'fiscal_year', 'number'],
        )
        batch_op.drop_column('legacy_series')
        batch_op.drop_column('office_id')
    for table in ('audit_events', 'workshops', 'users'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_office_id_offices'), type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_office_id'))
            batch_op.drop_column('office_id')
    with op.batch_alter_table('offices') as batch_op:
        batch_op.drop_index(batch_op.f('ix_offices_parent_id'))
    op.drop_table('offices')
