"""``flask --app workshop ...`` commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from workshop.models import Role
from workshop.services.errors import DomainError, ValidationFailed


def register_cli(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--password", required=True)
    @click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
    @click.option("--name", default="", help='Full name, e.g. "นางสาวกิ่งแก้ว ปิ่นทอง".')
    @click.option("--office", default="", help="The office's name (organizers and staff).")
    def create_user_command(email: str, password: str, role: str, name: str, office: str) -> None:
        """Create an admin, organizer, staff or officer account."""
        from workshop.services.accounts import create_user
        from workshop.services.offices import office_by_name
        from workshop.thai.names import split_full_name

        prefix, first, last = split_full_name(name or email.split("@")[0])
        found = office_by_name(office) if office else None
        if office and found is None:
            click.echo(f"office: no office named {office!r}", err=True)
            raise SystemExit(1)
        try:
            user = create_user(
                email=email,
                password=password,
                role=role,
                title_prefix=prefix,
                first_name=first,
                last_name=last,
                office_id=found.id if found else None,
            )
        except ValidationFailed as exc:
            for field, message in exc.fields.items():
                click.echo(f"{field}: {message}", err=True)
            raise SystemExit(1) from exc
        except DomainError as exc:
            click.echo(exc.message, err=True)
            raise SystemExit(1) from exc
        click.echo(f"created {user.role} {user.email} (id {user.id})")

    @app.cli.command("send-mail")
    @click.option("--loop", is_flag=True, help="Keep running and deliver as notices fall due.")
    def send_mail_command(loop: bool) -> None:
        """Deliver queued notices that are due (for MAIL_DELIVERY=manual, e.g. from cron)."""
        import time

        from workshop.services.notifications import (
            POLL_SECONDS,
            deliver_due,
            run_sender_pass_hooks,
        )

        while True:
            run_sender_pass_hooks()  # e.g. quota seats whose release date has passed
            sent = deliver_due()
            click.echo(f"sent {sent} notice(s)")
            if not loop:
                return
            if not sent:
                time.sleep(POLL_SECONDS)

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Load the reference workshop and demo accounts (safe to run again)."""
        from workshop.services.demo import DEMO_ACCOUNTS, seed_demo

        created = seed_demo()
        click.echo("demo data " + ("loaded" if created else "already present"))
        click.echo("demo accounts (email / password / role):")
        for account in DEMO_ACCOUNTS:
            click.echo(f"  {account.email:<34} {account.password:<20} {account.role}")

    @app.cli.command("purge-expired")
    @click.option("--dry-run", is_flag=True, help="Only list the accounts that would be purged.")
    @click.option(
        "--years", type=click.IntRange(min=1), default=None, help="Override RETENTION_YEARS."
    )
    def purge_expired_command(dry_run: bool, years: int | None) -> None:
        """Anonymise officer accounts with no workshop within the retention period (PDPA)."""
        from workshop.services.privacy import purge_expired, retention_years

        period = years if years is not None else retention_years()
        ids = purge_expired(years=period, dry_run=dry_run)
        verb = "would anonymise" if dry_run else "anonymised"
        click.echo(f"{verb} {len(ids)} account(s) inactive for more than {period} year(s)")
        for user_id in ids:
            click.echo(f"  user id {user_id}")

    @app.cli.command("backup")
    @click.option(
        "--dir",
        "directory",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Folder for the backups (default: BACKUP_DIR, or instance/backups).",
    )
    @click.option(
        "--keep-days",
        type=click.IntRange(min=1),
        default=None,
        help="Delete backups older than this many days (default: BACKUP_KEEP_DAYS).",
    )
    def backup_command(directory: Path | None, keep_days: int | None) -> None:
        """Back up the whole database into a timestamped file, then apply the retention."""
        from workshop.services.backups import BackupError, make_backup, prune_backups

        days = keep_days if keep_days is not None else app.config["BACKUP_KEEP_DAYS"]
        try:
            backup = make_backup(directory)
        except BackupError as exc:
            click.echo(f"backup failed: {exc.message}", err=True)
            raise SystemExit(1) from exc
        click.echo(f"backup written: {backup.path} ({backup.size:,} bytes)")
        for expired in prune_backups(days, backup.path.parent):
            click.echo(f"deleted (older than {days} days): {expired.path.name}")

    @app.cli.command("restore")
    @click.argument("backup_file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def restore_command(backup_file: Path, yes: bool) -> None:
        """Replace the database's contents with a backup (stop the application first)."""
        from workshop.services.backups import BackupError, restore_backup

        if not yes:
            click.confirm(
                f"Replace everything in the database with {backup_file.name}?", abort=True
            )
        try:
            restore_backup(backup_file)
        except BackupError as exc:
            click.echo(f"restore failed: {exc.message}", err=True)
            raise SystemExit(1) from exc
        click.echo(f"restored {backup_file}; now run: flask --app workshop db upgrade")
