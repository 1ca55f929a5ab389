"""`sellsafe catalog import|export`: the catalog CSV import and export from the terminal.

    sellsafe catalog import FILE --shop SLUG --as EMAIL [--valid-only] [--dry-run]
    sellsafe catalog export --shop SLUG [--output FILE] [--as EMAIL]

The import runs the same code as the console's background task, synchronously, acting as the
member named by --as (who needs catalog.edit, and inventory.adjust for stock columns), so the audit
log names a person. Progress is shown on stderr, updated in place. Exit status 1 when the file is
refused or has problems (they are listed: row, column, value, problem). See docs/catalog-csv.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from sellsafe.accounts.models import User
from sellsafe.catalog.csv_export import catalog_export, csv_lines
from sellsafe.catalog.csv_import import CHECKED, DONE, import_csv
from sellsafe.catalog.csv_import.reading import FileRefused, read_bytes
from sellsafe.catalog.csv_tasks import PHASES
from sellsafe.core.errors import DomainError
from sellsafe.shops import access, selectors
from sellsafe.shops.models import Membership, Shop

BAR_WIDTH = 30


class Progress:
    """A plain-text progress bar on one terminal line, redrawn with a carriage return."""

    def __init__(self, stream: OutputWrapper) -> None:
        self.stream = stream
        self.last = ""

    def __call__(self, phase: str, done: int, total: int) -> None:
        share = done / total if total else 0.0
        filled = int(BAR_WIDTH * share)
        label = PHASES.get(phase, phase)
        line = (
            f"\r{label:<20} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] "
            f"{int(share * 100):3d}% {done:,}/{total:,}"
        )
        if line != self.last:
            self.stream.write(line, ending="")
            self.stream.flush()
            self.last = line

    def end(self) -> None:
        if self.last:
            self.stream.write("")
            self.stream.flush()


def _member(shop: Shop, email: str) -> Membership:
    user = User.objects.filter(email__iexact=email.strip()).first()
    membership = selectors.membership_for(slug=shop.slug, user=user) if user else None
    if membership is None:
        raise CommandError(f"{email} is not a member of {shop.slug}.")
    return membership


class Command(BaseCommand):
    help = "Import the catalog from a CSV file, or export it as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import,export}")
        imp = sub.add_parser("import", help="Check a CSV file completely, then import it.")
        imp.add_argument("file", metavar="FILE", help="The CSV file (UTF-8, , or ;).")
        imp.add_argument("--shop", metavar="SLUG", required=True)
        imp.add_argument(
            "--as", dest="as_email", metavar="EMAIL", required=True, help="Act as this member."
        )
        imp.add_argument(
            "--valid-only", action="store_true", help="Import the valid rows, skip the others."
        )
        imp.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        exp = sub.add_parser("export", help="Write every product and variant as CSV.")
        exp.add_argument("--shop", metavar="SLUG", required=True)
        exp.add_argument("--output", metavar="FILE", help="Write here instead of stdout.")
        exp.add_argument(
            "--as", dest="as_email", metavar="EMAIL", help="Export as this member (audited)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        shop = selectors.shop_by_slug(slug=options["shop"])
        if shop is None:
            raise CommandError(f"No shop with the slug {options['shop']!r}.")
        if options["action"] == "import":
            self._import(shop, options)
        else:
            self._export(shop, options)

    def _export(self, shop: Shop, options: dict[str, Any]) -> None:
        actor = None
        if options.get("as_email"):
            member = _member(shop, options["as_email"])
            if not access.has_permission(member, "catalog.view"):
                raise CommandError(f"{options['as_email']} may not see this shop's catalog.")
            actor = member.user
        lines = csv_lines(catalog_export(actor=actor, shop=shop, via="cli"))
        if options.get("output"):
            with Path(options["output"]).open("w", encoding="utf-8", newline="") as out:
                out.writelines(lines)
            self.stderr.write(f"Exported to {options['output']}.")
        else:
            for line in lines:
                self.stdout.write(line, ending="")

    def _import(self, shop: Shop, options: dict[str, Any]) -> None:
        member = _member(shop, options["as_email"])
        path = Path(options["file"])
        try:
            with path.open("rb") as stream:
                data = read_bytes(stream)
        except FileRefused as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        progress = Progress(self.stderr)
        try:
            result = import_csv(
                actor=member,
                shop=shop,
                data=data,
                file_name=path.name,
                valid_only=options["valid_only"],
                dry_run=options["dry_run"],
                reauthenticated=True,  # a shell on the server is stronger than a password prompt
                progress=progress,
            )
        except DomainError as error:
            progress.end()
            raise CommandError(error.message) from None
        progress.end()
        for problem in result.errors:
            self.stdout.write(
                f"row {problem['row']}, column {problem['column'] or '-'}, "
                f"value {problem['value']!r}: {problem['message']}"
            )
        if result.error_count > len(result.errors):
            self.stdout.write(f"... and {result.error_count - len(result.errors):,} more.")
        for name, count in result.counts.items():
            self.stdout.write(f"{name.replace('_', ' ')}: {count:,}")
        if result.status not in (DONE, CHECKED):
            raise CommandError(result.message)
        self.stdout.write(result.message)
