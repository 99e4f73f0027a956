"""``flask --app workshop ...`` commands."""

from __future__ import annotations

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
    def create_user_command(email: str, password: str, role: str, name: str) -> None:
        """Create an organizer, staff or officer account."""
        from workshop.services.accounts import create_user
        from workshop.thai.names import split_full_name

        prefix, first, last = split_full_name(name or email.split("@")[0])
        try:
            user = create_user(
                email=email,
                password=password,
                role=role,
                title_prefix=prefix,
                first_name=first,
                last_name=last,
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

        from workshop.services.notifications import POLL_SECONDS, deliver_due

        while True:
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
