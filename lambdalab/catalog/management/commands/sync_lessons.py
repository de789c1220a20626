"""manage.py sync_lessons [--path DIR] [--validate] [--only SLUG] [--dry-run]"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from lambdalab.catalog.content import ContentError, load_catalog
from lambdalab.catalog.services import catalog_sync
from lambdalab.catalog.validate import catalog_validate, validation_table


class _DryRun(Exception):
    pass


def default_lessons_dir() -> Path:
    return Path(getattr(settings, "LESSONS_DIR", Path(settings.BASE_DIR) / "lessons"))


class Command(BaseCommand):
    help = "Load the lessons folder into the database (idempotent; removed content is archived)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--path", type=Path, default=None, help="lessons folder")
        parser.add_argument(
            "--validate",
            action="store_true",
            help="first run every solution (must score 100%%), starter and wrong solution "
            "(must score less) in the real runtime; import only if all behave",
        )
        parser.add_argument(
            "--only",
            action="append",
            default=[],
            metavar="EXERCISE",
            help="validate only these exercise slugs (repeatable)",
        )
        parser.add_argument("--dry-run", action="store_true", help="report changes, write nothing")
        parser.add_argument("--workers", type=int, default=1, help="validation threads (1)")

    def handle(
        self, *args, path: Path | None, validate: bool, only: list[str], dry_run: bool, **options
    ) -> None:
        root = path or default_lessons_dir()
        try:
            catalog = load_catalog(root)
        except ContentError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(error.problems)} problem(s) in {root}; nothing imported."
            ) from None
        self.stdout.write(
            f"{len(catalog.lessons)} lessons, {len(catalog.exercises)} exercises in {root}"
        )
        if validate:
            self._validate(catalog, only, options.get("workers", 1))
        self._sync(catalog, dry_run)

    def _validate(self, catalog, only: list[str], workers: int) -> None:
        started = time.perf_counter()
        try:
            rows = catalog_validate(catalog=catalog, only=only or None, workers=workers)
        except ValueError as error:  # an --only slug that does not exist
            raise CommandError(str(error)) from None
        self.stdout.write(validation_table(rows))
        self.stdout.write(f"validated in {time.perf_counter() - started:.1f} s")
        bad = [row for row in rows if not row.ok]
        if bad:
            raise CommandError(
                f"{len(bad)} of {len(rows)} validation runs misbehaved; nothing imported."
            )

    def _sync(self, catalog, dry_run: bool) -> None:
        try:
            with transaction.atomic():
                report = catalog_sync(catalog=catalog)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        for change in report.changes:
            self.stdout.write(f"  {change}")
        prefix = "Would make" if dry_run else "Made"
        summary = f"{prefix} {len(report.changes)} change(s)." if report.changed else "No changes."
        self.stdout.write(self.style.SUCCESS(summary))
