"""Import from the shop's old till: upload → check every row (the preview) → the owner
confirms → the run writes the good rows in batches, through the member and ledger services.

Bad rows are never written: the preview names each one with why, and confirming imports
the good rows only (a bad row is refused again by the run, which checks every row anew).
Re-running a file is safe: customers match on phone, orders on the old till's number, and
every balance carried over has a key per member, so a second run writes nothing.
"""

import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export.results import RowResult
from wagtail.signal_handlers import disable_reference_index_auto_update

from loyalty.imports import customers as customer_rows
from loyalty.imports import orders as order_rows
from loyalty.imports.base import RowPlan, parse_phone
from loyalty.imports.reading import read_import_file, to_dataset
from loyalty.models import ImportJob, ImportKind, ImportStatus
from membership.member_pages import shop_pages_changed
from membership.models import Member, Order, OrderLine, User
from membership.services.audit import audit_record
from membership.services.members import NewMember, member_create, members_create_many

from .packages import package_consume, package_grant
from .points import PointsOpening, points_open_balance, points_open_balances
from .wallet import WalletOpening, wallet_open_balance, wallet_open_balances

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
OUTCOME_NEW = RowResult.IMPORT_TYPE_NEW
OUTCOME_UPDATE = RowResult.IMPORT_TYPE_UPDATE
OUTCOME_SKIP = RowResult.IMPORT_TYPE_SKIP
OUTCOME_ERROR = "error"
FIRST_DATA_ROW = 2  # the header is row 1, as a spreadsheet numbers them


@dataclass(frozen=True)
class ImportSpec:
    required: tuple[str, ...]
    columns: tuple[str, ...]
    resource: type


SPECS = {
    ImportKind.CUSTOMERS: ImportSpec(
        customer_rows.REQUIRED, customer_rows.COLUMNS, customer_rows.CustomerResource
    ),
    ImportKind.ORDERS: ImportSpec(
        order_rows.REQUIRED, order_rows.COLUMNS, order_rows.OrderResource
    ),
}


# -- upload and preview --------------------------------------------------------------------


@transaction.atomic
def import_upload(*, kind: str, data: bytes, file_name: str, acting_user) -> ImportJob:
    """Read the file and keep its rows in a new job to be checked; ImportFileError (with the
    owner's message) if the file cannot be imported at all, and then nothing is written."""
    spec = SPECS[ImportKind(kind)]
    read = read_import_file(data=data, file_name=file_name, required=spec.required)
    keep = [i for i, column in enumerate(read.headers) if column in spec.columns]
    headers = [read.headers[i] for i in keep]
    rows = [[row[i] if i < len(row) else "" for i in keep] for row in read.rows]
    return ImportJob.objects.create(
        kind=kind,
        file_name=file_name[:255],
        rows={"headers": headers, "rows": rows},
        total=len(rows),
        created_by=acting_user,
    )


def _duplicates(job: ImportJob) -> dict[str, list[int]]:
    """Keys (phone, or the old till's order number) on several rows, with those rows."""
    headers, rows = job.rows["headers"], job.rows["rows"]
    if job.kind == ImportKind.CUSTOMERS:
        column = headers.index("phone")
        key = parse_phone
    else:
        column = headers.index("order_number")
        key = str.strip
    seen: dict[str, list[int]] = defaultdict(list)
    for n, row in enumerate(rows):
        if k := key(row[column]):
            seen[k].append(n + FIRST_DATA_ROW)
    return {k: numbers for k, numbers in seen.items() if len(numbers) > 1}


def _why(row_result) -> str:
    if row_result.validation_error is not None:
        return "; ".join(
            message
            for messages in row_result.validation_error.message_dict.values()
            for message in messages
        )
    if row_result.errors:
        return _("This row could not be imported.")
    plan = row_result.instance
    if isinstance(plan, RowPlan):
        return plan.note or ", ".join(str(c) for c in plan.changes)
    return ""


def _outcome(row_result) -> str:
    if row_result.import_type in (RowResult.IMPORT_TYPE_INVALID, RowResult.IMPORT_TYPE_ERROR):
        return OUTCOME_ERROR
    return row_result.import_type


def _batches(job: ImportJob, *, apply=None, apply_new=None, dry_run: bool):
    """Run the resource over the job's rows, BATCH_SIZE at a time: yields (first row number,
    [(outcome, why), ...]) per batch."""
    spec = SPECS[ImportKind(job.kind)]
    headers, rows = job.rows["headers"], job.rows["rows"]
    duplicates = _duplicates(job)
    for start in range(0, len(rows), BATCH_SIZE):
        # The preview's resource has no writer (apply=None): it cannot write, so it runs
        # without django-import-export's dry-run transaction and its savepoint per row.
        resource = spec.resource(
            apply=None if dry_run else apply,
            apply_new=None if dry_run else apply_new,
            duplicates=duplicates,
        )
        resource._meta.store_instance = True
        # One commit per batch, not per row: each row is written in a savepoint of its own
        # (apply is atomic), so a row that fails leaves the batch's other rows written.
        with transaction.atomic():
            result = resource.import_data(
                to_dataset(headers, rows[start : start + BATCH_SIZE]),
                dry_run=False,
                use_transactions=False,
                raise_errors=False,
            )
        for number, errors in result.row_errors():
            for error in errors:
                logger.error("Import %s row %s: %r", job.pk, start + number, error.error)
        yield start + FIRST_DATA_ROW, [(_outcome(r), _why(r)) for r in result.rows]


def _error_list(first: int, outcomes) -> list[dict]:
    return [
        {"row": first + i, "why": why}
        for i, (outcome, why) in enumerate(outcomes)
        if outcome == OUTCOME_ERROR
    ]


def import_check(*, job_id: int) -> ImportJob:
    """The preview: what every row would do, and why each bad row is bad. Writes only the
    job row."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportStatus.CHECKING:
        return job
    counts = defaultdict(int)
    outcomes, errors = [], []
    try:
        for first, batch in _batches(job, dry_run=True):
            outcomes.extend(batch)
            errors.extend(_error_list(first, batch))
            for outcome, _why_text in batch:
                counts[outcome] += 1
            # Show the checking's progress too (a large file takes a moment).
            ImportJob.objects.filter(pk=job.pk).update(done=len(outcomes))
    except Exception:
        logger.exception("Import %s: checking stopped", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED,
            finished_at=timezone.now(),
            message=_("Checking the file stopped on an unexpected error; nothing was written."),
        )
        raise
    ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKING).update(
        status=ImportStatus.PREVIEWED,
        outcomes=outcomes,
        errors=errors,
        done=0,
        created=counts[OUTCOME_NEW],
        updated=counts[OUTCOME_UPDATE],
        skipped=counts[OUTCOME_SKIP],
        failed=counts[OUTCOME_ERROR],
    )
    job.refresh_from_db()
    return job


# -- confirm and run -----------------------------------------------------------------------


@transaction.atomic
def import_confirm(*, job: ImportJob, acting_user) -> ImportJob:
    """The owner confirms a previewed import: queue it (the caller enqueues the run after
    commit) and record who did it."""
    job = ImportJob.objects.select_for_update().defer("rows", "outcomes").get(pk=job.pk)
    if job.status != ImportStatus.PREVIEWED:
        raise ValidationError(_("This import was already confirmed or cancelled."), code="state")
    if job.created + job.updated == 0:
        raise ValidationError(_("This file has nothing to import."), code="nothing")
    preview = {
        "created": job.created,
        "updated": job.updated,
        "skipped": job.skipped,
        "failed": job.failed,
    }
    job.status = ImportStatus.QUEUED
    job.confirmed_at = timezone.now()
    job.done = job.created = job.updated = job.skipped = job.failed = 0
    job.errors = []
    job.save(
        update_fields=[
            "status",
            "confirmed_at",
            "done",
            "created",
            "updated",
            "skipped",
            "failed",
            "errors",
        ]
    )
    audit_record(
        actor=acting_user,
        action="import_confirmed",
        obj=job,
        details={"kind": job.kind, "file": job.file_name, "rows": job.total, "preview": preview},
    )
    return job


@transaction.atomic
def import_cancel(*, job: ImportJob, acting_user) -> ImportJob:
    """Drop a previewed import that was not confirmed; nothing of it was written."""
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PREVIEWED).update(
        status=ImportStatus.CANCELLED, finished_at=timezone.now(), rows={}, outcomes=[]
    )
    if not updated:
        raise ValidationError(_("Only an import waiting for confirmation can be cancelled."))
    audit_record(actor=acting_user, action="import_cancelled", obj=job)
    job.refresh_from_db()
    return job


def import_run(*, job_id: int) -> ImportJob:
    """Write the confirmed job's good rows, batch by batch, counting as it goes."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING
    )
    job = ImportJob.objects.get(pk=job_id)
    if not claimed:
        return job
    apply, apply_new = _applier(job)
    counts = defaultdict(int)
    errors = []
    try:
        # Members and users are in no page's references: without this, Wagtail queues a
        # reference-index task for every user and member saved (two per customer).
        with disable_reference_index_auto_update():
            for first, batch in _batches(job, apply=apply, apply_new=apply_new, dry_run=False):
                errors.extend(_error_list(first, batch))
                for outcome, _why_text in batch:
                    counts[outcome] += 1
                shop_pages_changed()  # past orders written in bulk, for many members
                ImportJob.objects.filter(pk=job.pk).update(
                    done=sum(counts.values()),
                    created=counts[OUTCOME_NEW],
                    updated=counts[OUTCOME_UPDATE],
                    skipped=counts[OUTCOME_SKIP],
                    failed=counts[OUTCOME_ERROR],
                    errors=errors,
                )
    except Exception:
        logger.exception("Import %s stopped", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED,
            finished_at=timezone.now(),
            message=_(
                "The import stopped on an unexpected error; the rows counted as done are written."
            ),
        )
        raise
    # The rows and their preview have served: the counts and the refused rows stay.
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.DONE, finished_at=timezone.now(), rows={}, outcomes=[]
    )
    job.refresh_from_db()
    return job


def _applier(job: ImportJob):
    acting_user = job.created_by
    if job.kind == ImportKind.CUSTOMERS:
        return (
            lambda plan: customer_import_apply(plan=plan, job=job, acting_user=acting_user),
            lambda plans: customers_import_new(plans=plans, job=job, acting_user=acting_user),
        )
    return lambda plan: order_import_apply(plan=plan, job=job, acting_user=acting_user), None


def _new_usernames(phones: list[str]) -> list[str]:
    """_new_username for many phones, in one query."""
    wanted = ["import-" + phone.lstrip("+") for phone in phones]
    taken = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
    return [u + "-" + secrets.token_hex(3) if u in taken else u for u in wanted]


@transaction.atomic
def customers_import_new(*, plans: list[RowPlan], job: ImportJob, acting_user) -> None:
    """Write a batch of checked rows of new customers together: what customer_import_apply
    writes for each, in a fixed number of queries per batch (a package carried over still
    goes through the package service, one member at a time). Sets each plan's pk."""
    values = [plan.values for plan in plans]
    users = []
    for v, username in zip(values, _new_usernames([v["phone"] for v in values]), strict=True):
        user = User(username=username, phone=v["phone"])
        user.set_unusable_password()  # the member signs in with a code sent to the phone
        users.append(user)
    User.objects.bulk_create(users, batch_size=1000)
    # As one by one: no welcome reward, the tier is the old till's (else the lowest).
    members = members_create_many(
        new=[
            NewMember(user=u, name=v["name"] or "", birthday=v["birthday"], tier=v["tier"])
            for u, v in zip(users, values, strict=True)
        ]
    )
    source = {"source_type": "import", "source_id": str(job.pk), "acting_user": acting_user}
    pairs = list(zip(members, values, strict=True))
    wallet_open_balances(
        openings=[
            WalletOpening(m.pk, v["balance"], customer_rows.wallet_opening_key(m.pk))
            for m, v in pairs
            if v["balance"]
        ],
        **source,
    )
    points_open_balances(
        openings=[
            PointsOpening(m.pk, v["points"], customer_rows.points_opening_key(m.pk))
            for m, v in pairs
            if v["points"]
        ],
        **source,
    )
    for plan, (member, v) in zip(plans, pairs, strict=True):
        for package, uses_left in v["packages"]:
            _package_carry_over(member=member, package=package, uses_left=uses_left, source=source)
        plan.pk = member.pk


def _new_username(phone: str) -> str:
    username = "import-" + phone.lstrip("+")
    if User.objects.filter(username=username).exists():
        username += "-" + secrets.token_hex(3)
    return username


@transaction.atomic
def customer_import_apply(*, plan: RowPlan, job: ImportJob, acting_user) -> int:
    """Write one checked customer row: the member (made through the member service, in the
    file's tier), what the member lacks, and the opening balances and packages carried over
    (each once per member). Returns the member's id."""
    values = plan.values
    source = {"source_type": "import", "source_id": str(job.pk), "acting_user": acting_user}
    member = plan.existing
    if member is None:
        user = User(username=_new_username(values["phone"]), phone=values["phone"])
        user.set_unusable_password()  # the member signs in with a code sent to the phone
        user.save()
        # Signing up fires no reward rule (no rule trigger reads SIGNED_UP), so an imported
        # member gets no welcome reward; the tier is the old till's, not a promotion.
        member = member_create(user=user, name=values["name"] or "", accepted_terms=False)
        if values["tier"] is not None:
            member.tier = values["tier"]
    member = Member.objects.select_for_update().get(pk=member.pk) if plan.existing else member
    changed = []
    if values["name"] and not member.name:
        member.name = values["name"]
        changed.append("name")
    if values["birthday"] and not member.birthday:
        member.birthday = values["birthday"]
        changed.append("birthday")
    if plan.existing is None and values["tier"] is not None:
        changed.append("tier")
    if changed:
        member.save(update_fields=changed)
    if values["balance"]:
        wallet_open_balance(
            member=member,
            amount=values["balance"],
            idempotency_key=customer_rows.wallet_opening_key(member.pk),
            **source,
        )
    if values["points"]:
        points_open_balance(
            member=member,
            points=values["points"],
            idempotency_key=customer_rows.points_opening_key(member.pk),
            **source,
        )
    for package, uses_left in values["packages"]:
        _package_carry_over(member=member, package=package, uses_left=uses_left, source=source)
    return member.pk


def _package_carry_over(*, member: Member, package, uses_left: int, source: dict) -> None:
    """Grant the package, then record the uses the old till already gave as used (a partly
    used package has one service: the resource refuses the others)."""
    key = customer_rows.package_import_key(member.pk, package.code)
    member_package = package_grant(member=member, package=package, idempotency_key=key, **source)
    entitlement = member_package.entitlements.get()
    if entitlement.granted == uses_left:
        return
    for n in range(entitlement.granted - uses_left):
        package_consume(
            member=member, entitlement=entitlement, idempotency_key=f"{key}:used:{n}", **source
        )


@transaction.atomic
def order_import_apply(*, plan: RowPlan, job: ImportJob, acting_user) -> int:
    """Write one checked past order as COMPLETED for the books (tier spend, repurchase),
    already settled by the old till: no points, no rewards (no ORDER_COMPLETED event), no
    stored-value movement. Its number carries the import prefix. Returns the order's id."""
    values = plan.values
    total = values["total"]
    order = Order.objects.create(
        member_id=values["member_id"],
        store=values["store"],
        number=values["number"],
        idempotency_key=f"import-order:{values['number']}",
        status=Order.Status.COMPLETED,
        stage=Order.Stage.COLLECTED,
        subtotal=total,
        total=total,
        # The old till's payment method is not known: counted as paid at the counter.
        cash_amount=total,
        created_at=values["created_at"],
        handed_over_at=values["created_at"],
        created_by=acting_user,
    )
    if values["category"] is not None:
        OrderLine.objects.create(order=order, category=values["category"], amount=total)
    # The member's first visit is the earliest order the shop knows of.
    Member.objects.filter(
        Q(first_visit_at__isnull=True) | Q(first_visit_at__gt=values["created_at"]),
        pk=values["member_id"],
    ).update(first_visit_at=values["created_at"])
    return order.pk
