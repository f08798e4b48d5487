"""The kinds of job Waymark runs (app.services.jobs): each says how to do one item and how to finish."""
from __future__ import annotations

import contextlib
import hashlib
import json
import zipfile
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from app.services import jobs
from app.services.evidence_store import path_for, safe_file_name
from exports import personal_data
from models.jobs import ItemStatus, Job, JobItem

PERSONAL_DATA = "personal_data"
EVIDENCE_ITEM = "evidence"
PORTFOLIO_ITEM = "portfolio_pdf"

#: PDF_RENDER_PROCESSES of the worker running the job (None: the exports default); see `render_processes`.
_RENDER_PROCESSES: ContextVar[int | None] = ContextVar("render_processes", default=None)


@contextlib.contextmanager
def render_processes(processes: int | None) -> Iterator[None]:
    """The runner's worker setting, for the PDFs its jobs render: it belongs to the worker, not to the job."""
    token = _RENDER_PROCESSES.set(processes)
    try:
        yield
    finally:
        _RENDER_PROCESSES.reset(token)


def personal_data_items(hr_only: bool = False) -> list[tuple[str, str]]:
    """Everything for the person themself; HR records only when HR export for a leaver (params hr_only)."""
    records = [(s.name, f"Records: {s.name.replace('_', ' ')}") for s in personal_data.sections(hr_only)]
    if hr_only:
        return records
    return [(PORTFOLIO_ITEM, "Full portfolio (PDF)")] + records + [(EVIDENCE_ITEM, "Evidence files")]


def _hr_only(job: Job) -> bool:
    return bool(jobs.params_of(job).get("hr_only"))


def _folder(job: Job) -> str:
    return f"job-{job.id}"


def _person(job: Job) -> int:
    return int(jobs.params_of(job)["person_id"])


def _evidence_dir(job: Job) -> Path:
    return Path(jobs.params_of(job)["evidence_dir"])


def _check_evidence(session: Session, job: Job) -> None:
    """Every file is there and still has its hash, or the item fails naming the first one that does not."""
    store = _evidence_dir(job)
    for sha, name in personal_data.evidence_files(session, _person(job)):
        path = path_for(store, sha)
        if not path.is_file():
            raise FileNotFoundError(f"the evidence file {name} ({sha[:12]}…) is missing from the store")
        digest = hashlib.sha256()
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        if digest.hexdigest() != sha:
            raise ValueError(f"the evidence file {name} no longer matches its SHA-256")


def _run_personal_item(session: Session, job: Job, item: JobItem, root: Path) -> jobs.Output | None:
    if item.key == EVIDENCE_ITEM:
        _check_evidence(session, job)
        return None
    if item.key == PORTFOLIO_ITEM:
        return _portfolio_pdf(session, job, root)
    section = next(s for s in personal_data.sections(_hr_only(job)) if s.name == item.key)
    body = personal_data.section_json(session, section, _person(job))
    return jobs.write_atomically(root, f"{_folder(job)}/records/{section.name}.json", [body])


def _portfolio_pdf(session: Session, job: Job, root: Path) -> jobs.Output:
    """The person's full portfolio, issued like any other (verifiable); the export itself was authorised when asked."""
    import datetime as dt

    from app.services import documents
    from models import User

    subject = session.get(User, _person(job))
    if subject is None:
        raise LookupError("this person's account no longer exists")
    # No section cache: a leaver's (or anyone's) full export leaves no laid-out copy of their records behind.
    row, pdf = documents.issue(session, "portfolio", subject, job.requested_by, dt.date.today(), job_id=job.id,
                               render_processes=_RENDER_PROCESSES.get())
    return jobs.write_atomically(root, f"{_folder(job)}/portfolio/{documents.file_name(row, subject)}", [pdf])


def _finish_personal(session: Session, job: Job, items: Sequence[JobItem], root: Path) -> jobs.Output:
    failed = [i.label for i in items if i.status is ItemStatus.FAILED]
    if failed:
        raise RuntimeError("not every part could be exported: " + "; ".join(failed))
    store = _evidence_dir(job)
    manifest: dict[str, str] = {}

    def write(out: BinaryIO) -> None:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            readme = personal_data.readme_text(_hr_only(job)).encode("utf-8")
            archive.writestr("README.txt", readme)
            manifest["README.txt"] = hashlib.sha256(readme).hexdigest()
            for item in items:
                if item.key == PORTFOLIO_ITEM and item.output_file and item.sha256:
                    arcname = f"portfolio/{Path(item.output_file).name}"
                    archive.write(root / item.output_file, arcname)
                    manifest[arcname] = item.sha256
                elif item.output_file and item.sha256:
                    arcname = f"records/{item.key}.json"
                    archive.write(root / item.output_file, arcname)
                    manifest[arcname] = item.sha256
            for sha, name in ([] if _hr_only(job) else personal_data.evidence_files(session, _person(job))):
                arcname = f"evidence/{sha[:16]}-{safe_file_name(name)}"
                if arcname not in manifest:
                    archive.write(path_for(store, sha), arcname)
                    manifest[arcname] = sha
            archive.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))

    return jobs.write_file_atomically(root, f"{_folder(job)}/waymark-personal-data-{job.id}.zip", write)


jobs.register(jobs.JobKind(PERSONAL_DATA, _run_personal_item, _finish_personal))


# --- documents (one PDF each; several make a ZIP with an index) ---------------------------------------------

DOCUMENTS = "documents"
INDEX_HEADERS = ("Name", "Document", "Document id", "Digest", "File", "Status", "Reason")


def _run_document_item(session: Session, job: Job, item: JobItem, root: Path) -> jobs.Output:
    import datetime as dt

    from app.services import documents
    from models import User

    params = jobs.params_of(job)
    subject = session.get(User, int(item.key))
    if subject is None:
        raise LookupError("this person's account no longer exists")
    row, pdf = documents.issue(session, str(params["kind"]), subject, job.requested_by, dt.date.today(),
                               options=params.get("options") or {}, job_id=job.id,
                               evidence_dir=Path(params["evidence_dir"]) if params.get("evidence_dir") else None,
                               pdf_cache=root / documents.PDF_CACHE, render_processes=_RENDER_PROCESSES.get())
    return jobs.write_atomically(root, f"{_folder(job)}/{documents.file_name(row, subject)}", [pdf])


def _finish_documents(session: Session, job: Job, items: Sequence[JobItem], root: Path) -> jobs.Output:
    from sqlalchemy import select

    from exports.tables import csv_text

    from models.documents import IssuedDocument

    done = [i for i in items if i.status is ItemStatus.DONE and i.output_file]
    if len(items) == 1 and done:
        only = done[0]
        assert only.output_file is not None and only.sha256 is not None
        path = root / only.output_file
        return jobs.Output(path=only.output_file, sha256=only.sha256, size=path.stat().st_size, name=path.name)
    issued = {d.subject_id: d for d in session.scalars(select(IssuedDocument).where(IssuedDocument.job_id == job.id))}

    def write(out: BinaryIO) -> None:
        rows = []
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for item in items:
                doc = issued.get(int(item.key))
                name = Path(item.output_file).name if item.output_file else ""
                if item.status is ItemStatus.DONE and item.output_file:
                    archive.write(root / item.output_file, name)
                rows.append([item.label, doc.title if doc else "", doc.id if doc else "", doc.digest if doc else "",
                             name, "Done" if item.status is ItemStatus.DONE else "Failed", item.error or ""])
            # Names come from people: csv_text makes a would-be spreadsheet formula inert.
            archive.writestr("index.csv", csv_text(INDEX_HEADERS, rows))

    return jobs.write_file_atomically(root, f"{_folder(job)}/waymark-documents-{job.id}.zip", write)


jobs.register(jobs.JobKind(DOCUMENTS, _run_document_item, _finish_documents))
