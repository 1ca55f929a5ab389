"""`sellsafe audit verify|checkpoint|prune`: prove the audit log is intact, sign its head, prune it.

    sellsafe audit verify [--shop SLUG | --account] [--checkpoint FILE ...] [--trust-key KEY ...]
    sellsafe audit checkpoint [--shop SLUG | --account] [--no-verify]  > checkpoint.jsonl
    sellsafe audit prune [--days N] [--batch-size N] [--dry-run]

verify exits 0 with a summary line when every chain is intact, 1 naming the first event of
each broken chain otherwise. See docs/audit.md.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from sellsafe.audit import chain, checkpoints, selectors, services, triggers
from sellsafe.audit.models import ACCOUNT_CHAIN


class Command(BaseCommand):
    help = "Verify the hash-chained audit log, print a signed checkpoint of it, or prune it."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{verify,checkpoint,prune}"
        )
        verify = sub.add_parser("verify", help="Walk the chain(s); name the first bad event.")
        checkpoint = sub.add_parser(
            "checkpoint", help="Print a signed statement of each chain's head (JSON lines)."
        )
        for command in (verify, checkpoint):
            which = command.add_mutually_exclusive_group()
            which.add_argument("--shop", metavar="SLUG", help="Only this shop's chain.")
            which.add_argument(
                "--account", action="store_true", help="Only the account-level chain."
            )
            command.add_argument(
                "--chunk-size", type=int, default=chain.DEFAULT_CHUNK_SIZE, help="Rows per fetch."
            )
        verify.add_argument(
            "--checkpoint",
            metavar="FILE",
            action="append",
            default=[],
            help="Also prove the log still extends the checkpoint(s) in FILE.",
        )
        verify.add_argument(
            "--trust-key",
            metavar="KEY",
            action="append",
            default=[],
            help="Also accept checkpoints signed by this public key (before a master key change).",
        )
        checkpoint.add_argument(
            "--no-verify", action="store_true", help="Sign the head without verifying first."
        )
        prune = sub.add_parser("prune", help="Delete events older than the retention period.")
        prune.add_argument(
            "--days",
            type=int,
            default=None,
            help="Keep this many days (default: SELLSAFE_AUDIT_RETENTION_DAYS, 730).",
        )
        prune.add_argument("--batch-size", type=int, default=5000, help="Events per transaction.")
        prune.add_argument(
            "--dry-run", action="store_true", help="Only count what would be deleted."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "prune":
            self._prune(options)
            return
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1.")
        keys = self._chains(options)
        if action == "verify":
            self._verify(keys, options)
        else:
            self._checkpoint(keys, options)

    # --- helpers -----------------------------------------------------------------------------

    def _chains(self, options: dict[str, Any]) -> list[str] | None:
        if options["account"]:
            return [ACCOUNT_CHAIN]
        if options["shop"]:
            shop_id = selectors.shop_id_for_slug(slug=options["shop"])
            if shop_id is None:
                raise CommandError(f"No shop has the slug {options['shop']!r}.")
            return [chain.chain_key(shop_id)]
        return None

    def _label(self, key: str, slugs: dict[str, str]) -> str:
        slug = slugs.get(key)
        return f"chain {key} (shop {slug})" if slug else f"chain {key}"

    # --- verify ------------------------------------------------------------------------------

    def _verify(self, keys: list[str] | None, options: dict[str, Any]) -> None:
        statements: list[checkpoints.Statement] = []
        for name in options["checkpoint"]:
            try:
                statements += checkpoints.parse(Path(name).read_text())
            except OSError as exc:
                raise CommandError(f"Cannot read {name}: {exc.strerror}.") from None
            except checkpoints.CheckpointFileError as exc:
                raise CommandError(f"{name} is not a checkpoint file: {exc}.") from None
        if keys is not None and statements:
            statements = [s for s in statements if s.chain in keys]
        summary = chain.verify(
            keys,
            chunk_size=options["chunk_size"],
            lookups=checkpoints.lookups(statements),
            trusted_keys=options["trust_key"],
        )
        problems = summary.problems
        outcomes = checkpoints.evaluate(statements, summary, trusted_keys=options["trust_key"])
        slugs = selectors.shop_slugs(chains=[r.chain for r in summary.reports])
        for report in summary.reports:
            label = self._label(report.chain, slugs)
            if report.problem is not None:
                self.stdout.write(self.style.ERROR(f"{label}: FAILED: {report.problem}"))
                continue
            span = f"seq {report.first_seq}..{report.last_seq}" if report.events else "empty"
            if report.pruned_through:
                span += f", pruned through seq {report.pruned_through}"
            self.stdout.write(f"{label}: {report.events} events ({span}), OK")
        for outcome in outcomes:
            st = outcome.statement
            if outcome.problem is not None:
                self.stdout.write(self.style.ERROR(f"FAILED: {outcome.problem}"))
                problems.append(outcome.problem)
            else:
                self.stdout.write(
                    f"checkpoint chain {st.chain} seq {st.seq} ({st.time}): OK, "
                    f"the log extends it by {outcome.extended_by} events"
                )
        missing = triggers.missing(connection)
        if missing:
            message = (
                f"the append-only triggers {', '.join(missing)} are missing: "
                "reinstall them (see docs/audit.md)"
            )
            self.stdout.write(self.style.ERROR(f"FAILED: {message}"))
            problems.append(chain.Problem("-", None, None, message))
        if problems:
            raise CommandError(
                f"Audit log verification FAILED ({len(problems)} problem(s)); first: {problems[0]}",
                returncode=1,
            )
        rate = summary.events / summary.seconds if summary.seconds else 0.0
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit log OK: {len(summary.reports)} chain(s), {summary.events} events verified"
                f"{f', {len(outcomes)} checkpoint(s) extended' if outcomes else ''} in "
                f"{summary.seconds:.2f} s ({rate:,.0f} events/s). "
                f"Checkpoint public key: {checkpoints.public_key()}"
            )
        )

    # --- checkpoint ----------------------------------------------------------------------------

    def _checkpoint(self, keys: list[str] | None, options: dict[str, Any]) -> None:
        if not options["no_verify"]:
            summary = chain.verify(keys, chunk_size=options["chunk_size"])
            if summary.problems:
                raise CommandError(
                    "Not signing a broken log: " + "; ".join(map(str, summary.problems)),
                    returncode=1,
                )
        signed = 0
        for key in keys if keys is not None else chain.chains():
            statement = checkpoints.head_statement(key)
            if statement is not None:
                self.stdout.write(statement.to_json())
                signed += 1
        self.stderr.write(
            f"{signed} checkpoint(s) signed with public key {checkpoints.public_key()} "
            "(pin it; keep the checkpoints off this server)."
        )

    # --- prune ---------------------------------------------------------------------------------

    def _prune(self, options: dict[str, Any]) -> None:
        days = options["days"] if options["days"] is not None else services.retention_days()
        if days < 1:
            raise CommandError("The retention period must be at least 1 day.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        before = timezone.now() - timedelta(days=days)
        self.stdout.write(f"Events older than {chain.format_time(before)} ({days} days):")
        if options["dry_run"]:
            counts = selectors.prunable_counts(before=before)
            for key, count in counts.items():
                self.stdout.write(f"  chain {key}: {count} events would be deleted")
            self.stdout.write(f"Dry run: {sum(counts.values())} events would be deleted.")
            return
        results = services.prune_events(before=before, batch_size=options["batch_size"])
        for result in results:
            self.stdout.write(
                f"  chain {result.chain}: deleted {result.deleted} events through seq "
                f"{result.through_seq}; signed checkpoint stored"
            )
        total = sum(result.deleted for result in results)
        self.stdout.write(
            self.style.SUCCESS(f"Pruned {total} events from {len(results)} chain(s).")
        )
