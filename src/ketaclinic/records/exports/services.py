"""Bulk export jobs: started by a physician, read only by who asked, cancelled, run by the
worker and purged after ``BULK_EXPORT_KEEP_HOURS``.

Permission: ``export.csv`` (the clinic's identified data: physicians), checked when the export
starts and again for every status read and file; the start, the cancel and every file served
are audited. A reach-limited role's export leaves out the restricted records it may not open.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from ketaclinic.records.accounts.models import RestrictedRecord
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.reach import REACH_LIMITED
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.bookings.models import Appointment
from ketaclinic.records.clinics.models import Location
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import NotFound
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.toolkit import get_or_404

from .models import BulkExport, ExportStatus

ACTION = Action.EXPORT_CSV
DEFAULT_KEEP_HOURS = 24.0


def keep_for() -> timedelta:
    """How long a finished export's files are kept (``KETACLINIC_BULK_EXPORT_KEEP_HOURS``)."""
    return timedelta(hours=float(getattr(settings, "BULK_EXPORT_KEEP_HOURS", DEFAULT_KEEP_HOURS)))


def files_dir(job: BulkExport) -> Path:
    return Path(settings.VAR_DIR) / "bulk-exports" / str(job.pk)


def start_export(
    actor: Actor,
    *,
    request_url: str,
    group: str = "",
    resource_types: list[str] | None = None,
    since: datetime | None = None,
) -> BulkExport:
    """Record a new export (the caller queues it); ``group`` is a location's slug."""
    authorize(actor, ACTION)
    if group:
        get_or_404(Location.objects.all(), group, "group", by="slug")
    job = BulkExport.objects.create(
        requested_by=actor.user,
        request_url=request_url,
        group=group,
        resource_types=sorted(resource_types or []),
        since=since,
    )
    audit.record(
        actor,
        ACTION,
        obj=job,
        detail={"view": "fhir_bulk_export", "group": group, "types": job.resource_types},
    )
    return job


def export_status(actor: Actor, job_id: str) -> BulkExport:
    """The asker's own export (any other: not found)."""
    authorize(actor, ACTION)
    job = BulkExport.objects.filter(pk=job_id, requested_by=actor.user).first()
    if job is None or job.status == ExportStatus.CANCELLED:
        raise NotFound(f"no bulk export {job_id}")
    return job


def cancel_export(actor: Actor, job_id: str) -> None:
    """Stop the export (the worker stops at its next chunk) and delete its files."""
    job = export_status(actor, job_id)
    BulkExport.objects.filter(pk=job.pk).update(status=ExportStatus.CANCELLED)
    shutil.rmtree(files_dir(job), ignore_errors=True)
    audit.record(actor, ACTION, obj=job, detail={"view": "fhir_bulk_export_cancel"})


def export_file(actor: Actor, job_id: str, resource_type: str) -> Path:
    """One finished file, for its asker; audited."""
    job = export_status(actor, job_id)
    if job.status != ExportStatus.DONE or resource_type not in {o["type"] for o in job.output}:
        raise NotFound(f"no {resource_type} file in bulk export {job_id}")
    audit.record(
        actor, ACTION, obj=job, detail={"view": "fhir_bulk_export_file", "type": resource_type}
    )
    return files_dir(job) / f"{resource_type}.ndjson"


def purge_expired(now: datetime | None = None) -> int:
    """Delete exports (files and rows) older than ``keep_for()``; how many (a chore)."""
    old = BulkExport.objects.filter(created_at__lt=(now or timezone.now()) - keep_for())
    purged = 0
    for job in old:
        shutil.rmtree(files_dir(job), ignore_errors=True)
        purged += 1
    old.delete()
    return purged


# The worker's side (``interop.fhir.bulk``): no actor; the start was authorized and audited.


def claim(job_id: str) -> BulkExport | None:
    """The export to run now (again, after a worker was lost), or None when cancelled/gone."""
    job = BulkExport.objects.filter(pk=job_id).first()
    if job is None or job.status in (ExportStatus.CANCELLED, ExportStatus.DONE):
        return None
    job.status = ExportStatus.RUNNING
    job.transaction_time = timezone.now()
    job.patients_total = patient_ids(job).count()
    job.patients_done = 0
    job.save(update_fields=["status", "transaction_time", "patients_total", "patients_done"])
    return job


def patient_ids(job: BulkExport) -> QuerySet[Patient]:
    """The patients in the export: everyone, or those seen at the group's location; without
    the restricted records the asker may not open."""
    patients = Patient.objects.all()
    if job.group:
        booked = Appointment.objects.filter(location__slug=job.group).values("patient_id")
        patients = patients.filter(pk__in=booked)
    if job.requested_by.role in REACH_LIMITED:
        outside = RestrictedRecord.objects.exclude(care_team=job.requested_by)
        patients = patients.exclude(pk__in=outside.values("patient_id"))
    return patients.order_by("pk")


def patient_id_stream(job: BulkExport) -> Iterator[int]:
    return patient_ids(job).values_list("pk", flat=True).iterator(chunk_size=2000)


def still_wanted(job: BulkExport, done: int) -> bool:
    """Record progress; False once the asker cancelled."""
    BulkExport.objects.filter(pk=job.pk).exclude(status=ExportStatus.CANCELLED).update(
        patients_done=done
    )
    return not BulkExport.objects.filter(pk=job.pk, status=ExportStatus.CANCELLED).exists()


def finish(job: BulkExport, output: list[dict[str, object]]) -> None:
    BulkExport.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
        status=ExportStatus.DONE, output=output, finished_at=timezone.now()
    )


def fail(job: BulkExport, error: str) -> None:
    BulkExport.objects.filter(pk=job.pk).exclude(status=ExportStatus.CANCELLED).update(
        status=ExportStatus.FAILED, error=error, finished_at=timezone.now()
    )
