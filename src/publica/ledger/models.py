"""The transparency ledger's tables. Entries and full tiles are append-only: database
triggers (`guards.py`) refuse to change or delete them, whatever code runs."""

from __future__ import annotations

from django.db import models


class Entry(models.Model):
    """One official decision as RFC 8785 canonical JSON. Written pending (no index) in the
    decision's own transaction; the sequencer gives it its place in the log."""

    log_index = models.BigIntegerField(null=True, blank=True, unique=True)
    kind = models.CharField(max_length=32)
    case_reference = models.CharField(max_length=32, db_index=True)
    body = models.BinaryField()
    recorded_at = models.DateTimeField()
    integrated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "entries"

    def __str__(self) -> str:
        where = f"#{self.log_index}" if self.log_index is not None else "pending"
        return f"{self.kind} {self.case_reference} ({where})"


class Pending(models.Model):
    """The queue of entries waiting for the sequencer: a small table it can read in an
    instant, however large the ledger and however many old row versions the database keeps."""

    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, primary_key=True)

    def __str__(self) -> str:
        return f"pending entry {self.entry_id}"


class Tile(models.Model):
    """The hashes of one tile (C2SP tlog-tiles), as wide as the tree has grown it."""

    level = models.PositiveSmallIntegerField()
    number = models.BigIntegerField()
    hashes = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "number"], name="one_tile")]

    def __str__(self) -> str:
        return f"tile {self.level}/{self.number} ({len(self.hashes) // 32} wide)"


class Checkpoint(models.Model):
    """Every signed checkpoint, so any two sizes the log ever vouched for can be compared."""

    size = models.BigIntegerField(unique=True)
    root_hash = models.BinaryField()
    note = models.TextField(help_text="The C2SP signed note, exactly as served.")
    signed_at = models.DateTimeField()

    class Meta:
        get_latest_by = "size"

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class Head(models.Model):
    """The one row sequencers lock, so only one extends the tree at a time."""

    size = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"ledger head at {self.size}"
