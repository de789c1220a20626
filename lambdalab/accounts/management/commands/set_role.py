from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from lambdalab.accounts.models import Role, User
from lambdalab.accounts.services import role_set


class Command(BaseCommand):
    help = "Make an account an instructor (or a student again): set_role alice instructor."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=Role.values)

    def handle(self, *args, **options) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(
                f"There is no account called {options['username']!r}: they sign up first, "
                "then you give them the role."
            )
        role_set(user=user, role=options["role"])
        self.stdout.write(f"{user.username} is now {user.get_role_display().lower()}.")
