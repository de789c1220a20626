"""`manage.py invoke`: a thin wrapper over the runtime's CLI (lambdalab.runtime.cli)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Invoke a Lambda handler in LambdaLab's sandbox (see `invoke --help`)."

    def run_from_argv(self, argv: list[str]) -> None:
        # The runtime's own parser owns the arguments; argv is [manage.py, invoke, ...].
        from lambdalab.runtime.cli import main

        code = main(argv[2:])
        sys.stdout.flush()
        if code:
            sys.exit(code)

    def handle(self, *args: Any, **options: Any) -> None:
        raise CommandError("run through manage.py: python manage.py invoke --help")
