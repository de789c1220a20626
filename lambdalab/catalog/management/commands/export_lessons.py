"""manage.py export_lessons DIR — write the database's curriculum back as a lessons folder."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lambdalab.catalog.services import catalog_export


class Command(BaseCommand):
    help = "Write every published lesson and exercise to DIR in the authoring format."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options) -> None:
        if directory.exists() and any(p.name[:1].isdigit() for p in directory.iterdir()):
            raise CommandError(f"{directory} already holds lesson folders; export into a new one.")
        written = catalog_export(directory=directory)
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(written)} files to {directory}."))
