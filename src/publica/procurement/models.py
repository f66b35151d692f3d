"""Contracting processes as the council runs them: a tender, its awards and their contracts,
the suppliers, and the immutable OCDS releases each published change wrote.

The status values are OCDS 1.1's closed codelists, so what is stored is what is published.
No workflow here: `services.py` makes every change and writes its release in one transaction.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

#: ISO 4217 code of the pound, the default currency of every value.
GBP = "GBP"


class TenderStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Open for bids")
    CANCELLED = "cancelled", _("Cancelled")
    UNSUCCESSFUL = "unsuccessful", _("Unsuccessful")
    COMPLETE = "complete", _("Complete")


class ProcurementMethod(models.TextChoices):
    OPEN = "open", _("Open")
    SELECTIVE = "selective", _("Selective")
    LIMITED = "limited", _("Limited")
    DIRECT = "direct", _("Direct award")


class MainCategory(models.TextChoices):
    GOODS = "goods", _("Goods")
    WORKS = "works", _("Works")
    SERVICES = "services", _("Services")


class AwardStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACTIVE = "active", _("Awarded")
    CANCELLED = "cancelled", _("Cancelled")
    UNSUCCESSFUL = "unsuccessful", _("Unsuccessful")


class ContractStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACTIVE = "active", _("In force")
    CANCELLED = "cancelled", _("Cancelled")
    TERMINATED = "terminated", _("Ended")


class ContractEnding(models.TextChoices):
    """How a contract came to its end; OCDS 1.1 calls both `terminated`."""

    COMPLETED = "completed", _("Completed")
    TERMINATED_EARLY = "terminated-early", _("Terminated early")


class ContractingProcess(models.Model):
    """One contracting process, known to the world by its `ocid`, bought by one department.

    The ocid is fixed when the process is created, so changing the prefix setting later never
    renames what was published. `ledger_key` keys the digest of its ledger entries; it is
    public (the process page shows it), because the data digested is public too."""

    ocid = models.CharField(max_length=32, unique=True)
    buyer = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="contracting_processes"
    )
    ledger_key = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "contracting processes"

    def __str__(self) -> str:
        return self.ocid

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("procurement:process", kwargs={"ocid": self.ocid})


class Tender(models.Model):
    """What the council asks the market for: one per process."""

    process = models.OneToOneField(
        ContractingProcess, on_delete=models.CASCADE, related_name="tender"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=4000)
    status = models.CharField(max_length=20, choices=TenderStatus.choices)
    value_amount = models.DecimalField(max_digits=15, decimal_places=2)
    currency = models.CharField(max_length=3, default=GBP)
    procurement_method = models.CharField(max_length=20, choices=ProcurementMethod.choices)
    main_category = models.CharField(max_length=20, choices=MainCategory.choices)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.title


class TenderItem(models.Model):
    """One line of what is bought, classified (CPV, for example) where the buyer said."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField(help_text="Its id within the tender: 1, 2, …")
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    unit = models.CharField(max_length=60, blank=True)
    classification_scheme = models.CharField(max_length=20, blank=True)
    classification_id = models.CharField(max_length=40, blank=True)
    classification_description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["tender", "number"], name="one_item_number")]

    def __str__(self) -> str:
        return self.description


class TenderAmendment(models.Model):
    """A change to a published tender, with why; OCDS's tender.amendments."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="amendments")
    number = models.PositiveSmallIntegerField()
    date = models.DateTimeField()
    rationale = models.CharField(max_length=1000)
    amends_release_id = models.CharField(max_length=80)
    release_id = models.CharField(max_length=80)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"amendment {self.number} of {self.tender}"


class Supplier(models.Model):
    """A company or body the council contracts with, known by a registered identifier
    (`GB-COH` and a Companies House number, `GB-CHC` and a charity number, …)."""

    scheme = models.CharField(max_length=20, help_text="An org-id.guide list code.")
    identifier = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    contact_email = models.EmailField(blank=True, help_text="A role mailbox, not a person's.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "identifier"], name="one_supplier_per_id")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def party_id(self) -> str:
        return f"{self.scheme}-{self.identifier}"


class Award(models.Model):
    """The decision to award (part of) a tender to one or more suppliers."""

    process = models.ForeignKey(ContractingProcess, on_delete=models.CASCADE, related_name="awards")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=AwardStatus.choices)
    date = models.DateTimeField()
    value_amount = models.DecimalField(max_digits=15, decimal_places=2)
    currency = models.CharField(max_length=3, default=GBP)
    suppliers = models.ManyToManyField(Supplier, related_name="awards")
    supplier_names = models.CharField(
        max_length=1000, help_text="The suppliers' names joined by '; ', for the datasets."
    )
    supplier_ids = models.CharField(
        max_length=500, help_text="Their identifiers (GB-COH-01234567) joined by '; '."
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["process", "number"], name="one_award_number")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def ocds_id(self) -> str:
        return f"{self.process.ocid}-award-{self.number}"


class Contract(models.Model):
    """The signed contract that follows an award."""

    process = models.ForeignKey(
        ContractingProcess, on_delete=models.CASCADE, related_name="contracts"
    )
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="contracts")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=ContractStatus.choices)
    value_amount = models.DecimalField(max_digits=15, decimal_places=2)
    currency = models.CharField(max_length=3, default=GBP)
    period_start = models.DateField()
    period_end = models.DateField()
    date_signed = models.DateField()
    ending = models.CharField(max_length=20, choices=ContractEnding.choices, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    ending_reason = models.CharField(
        max_length=1000, blank=True, help_text="Why it was ended early; shown on its page."
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["process", "number"], name="one_contract_number")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def ocds_id(self) -> str:
        return f"{self.process.ocid}-contract-{self.number}"


class Release(models.Model):
    """One published change, exactly as published; never updated or deleted.

    `data` is the whole OCDS release: each release carries the process's full state at that
    moment, so merging them gives the compiled release the records endpoint serves."""

    process = models.ForeignKey(
        ContractingProcess, on_delete=models.PROTECT, related_name="releases"
    )
    ocid = models.CharField(max_length=32)
    release_id = models.CharField(max_length=80)
    sequence = models.PositiveIntegerField()
    date = models.DateTimeField()
    tags = models.JSONField()
    data = models.JSONField()

    class Meta:
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["ocid", "release_id"], name="one_release_id"),
            models.UniqueConstraint(fields=["process", "sequence"], name="one_release_sequence"),
        ]
        indexes = [models.Index(fields=["date", "id"], name="release_feed")]

    def __str__(self) -> str:
        return self.release_id
