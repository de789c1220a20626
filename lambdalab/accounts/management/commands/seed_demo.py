from __future__ import annotations

from django.core.management.base import BaseCommand

from lambdalab.accounts.services import demo_accounts_ensure


class Command(BaseCommand):
    help = "Create the demo instructor and student accounts and print their logins."

    def handle(self, *args, **options) -> None:
        for demo in demo_accounts_ensure():
            self.stdout.write(
                f"  {demo.role:<10}  login: {demo.username:<10}  password: {demo.password}"
            )
