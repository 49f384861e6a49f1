"""FHIR Bulk Data export (the Bulk Data Access IG v2 ``$export``): the kick-off's parameters,
the worker's task that writes one NDJSON file per resource type, and the manifest.

The task reads the patients a chunk at a time (``records.exports.reading``) and writes each
patient's resources as they are built, so memory stays flat however many patients there are.
The resources come from ``BUILDERS``: every builder takes one patient's record and gives its
resources; ``record_resources`` (the same list ``$everything`` and the file export use) is the
first, so a resource type added there is exported in bulk too; add its name to
``EXPORTED_TYPES`` so ``_type`` accepts it.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django_tasks import task

from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.exports import reading
from ketaclinic.records.exports import services as exports
from ketaclinic.records.outcomes.exchange import PatientRecord

from .export import Addresser, record_resources
from .resource import Resource

logger = logging.getLogger("ketaclinic.worker")

Builder = Callable[[PatientRecord, Addresser], Iterable[Resource]]
BUILDERS: tuple[Builder, ...] = (record_resources,)
"""What each patient's record gives; a new kind of resource is a builder here (or a type added
to ``record_resources``)."""
EXPORTED_TYPES = (
    "Patient",
    "Condition",
    "Observation",
    "QuestionnaireResponse",
    "Questionnaire",
    "MedicationAdministration",
    "Appointment",
    "Encounter",
    "Procedure",
)
"""The resource types a ``_type`` may name (each builder's output)."""
SHARED_TYPES = frozenset({"Questionnaire"})
"""Types that many patients share: written once."""
NDJSON = "application/fhir+ndjson"
OUTPUT_FORMATS = frozenset({NDJSON, "application/ndjson", "ndjson"})


def parse_types(value: str | None) -> list[str]:
    """``_type`` (comma-separated) as a list; ``InvalidInput`` naming ``_type`` otherwise."""
    if not value:
        return []
    types = [kind.strip() for kind in value.split(",") if kind.strip()]
    unknown = [kind for kind in types if kind not in EXPORTED_TYPES]
    if unknown:
        raise InvalidInput.single(
            "_type",
            f"{', '.join(unknown)} cannot be exported; this server exports "
            + ", ".join(EXPORTED_TYPES),
        )
    return types


def parse_since(value: str | None) -> datetime | None:
    """``_since``: a FHIR instant with its time zone."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidInput.single(
            "_since", "must be an instant with a time zone, e.g. 2026-01-31T00:00:00Z"
        )
    return moment


def kick_off(
    actor: Actor, request_url: str, group: str, types: list[str], since: datetime | None
) -> str:
    """Record the export and queue it for the worker; its id."""
    job = exports.start_export(
        actor, request_url=request_url, group=group, resource_types=types, since=since
    )
    write_export.enqueue(str(job.pk))
    return str(job.pk)


WHEN_FIELDS = ("effectiveDateTime", "authored", "issued", "recordedDate")
"""Where a resource without ``meta.lastUpdated`` says when it was recorded (these records are
written once: a change is a new resource or a new version with ``meta``)."""


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _changed_since(resource: Resource, record: PatientRecord, since: datetime | None) -> bool:
    """With ``_since``: by ``meta.lastUpdated`` where the resource has it; the Patient by the
    record's last change; else by when it was recorded (``WHEN_FIELDS``, an effective
    period's start); a resource that says none of these is included."""
    if since is None:
        return True
    if resource["resourceType"] == "Patient":
        return bool(record.patient.updated_at >= since)
    stamped = (resource.get("meta") or {}).get("lastUpdated") or next(
        (resource[name] for name in WHEN_FIELDS if resource.get(name)),
        (resource.get("effectivePeriod") or {}).get("start"),
    )
    if not stamped or len(str(stamped)) < len("2000-01-01"):
        return True
    return _moment(str(stamped)) >= since


class _Files:
    """One NDJSON file per resource type, opened when its first line comes."""

    def __init__(self, folder: Path, types: list[str]) -> None:
        self.folder, self.types = folder, set(types)
        self.handles: dict[str, IO[str]] = {}
        self.counts: dict[str, int] = {}
        self.seen_shared: set[tuple[str, str]] = set()

    def write(self, resource: Resource) -> None:
        kind = resource["resourceType"]
        if self.types and kind not in self.types:
            return
        if kind in SHARED_TYPES:
            key = (kind, str(resource.get("id")))
            if key in self.seen_shared:
                return
            self.seen_shared.add(key)
        if kind not in self.handles:
            self.handles[kind] = (self.folder / f"{kind}.ndjson").open("w", encoding="utf-8")
            self.counts[kind] = 0
        self.handles[kind].write(json.dumps(resource, separators=(",", ":")) + "\n")
        self.counts[kind] += 1

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()


def base_url(request_url: str) -> str:
    """The FHIR base of a kick-off URL (``https://host/fhir``)."""
    head, _, _ = request_url.partition("/fhir/")
    return f"{head}/fhir"


def write_files(job: Any, folder: Path) -> dict[str, int] | None:
    """Write the export's NDJSON files into ``folder``; the lines per type, or None when the
    asker cancelled meanwhile."""
    at = Addresser(base_url(job.request_url))
    files = _Files(folder, list(job.resource_types))
    done = 0
    try:
        for record in reading.patient_records(exports.patient_id_stream(job)):
            for build in BUILDERS:
                for resource in build(record, at):
                    if _changed_since(resource, record, job.since):
                        files.write(resource)
            done += 1
            if done % reading.CHUNK == 0 and not exports.still_wanted(job, done):
                return None
    finally:
        files.close()
    exports.still_wanted(job, done)
    return dict(sorted(files.counts.items()))


@task()
def write_export(job_id: str) -> int:
    """The worker's task: write an export's files (again from the start if a worker was lost
    midway); the number of lines written."""
    job = exports.claim(job_id)
    if job is None:
        return 0
    folder = exports.files_dir(job)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        counts = write_files(job, folder)
    except Exception as error:
        logger.exception("bulk export %s failed", job_id)
        exports.fail(job, f"the export failed ({type(error).__name__}); ask again")
        shutil.rmtree(folder, ignore_errors=True)
        return 0
    if counts is None:
        shutil.rmtree(folder, ignore_errors=True)
        return 0
    exports.finish(job, [{"type": kind, "count": count} for kind, count in counts.items()])
    return sum(counts.values())


def manifest(job: Any, file_url: Callable[[str], str]) -> Resource:
    """The completed export's manifest (``file_url(type)`` is where each file is served)."""
    return {
        "transactionTime": job.transaction_time.isoformat(),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": [
            {"type": item["type"], "url": file_url(item["type"]), "count": item["count"]}
            for item in job.output
        ],
        "error": [],
    }
