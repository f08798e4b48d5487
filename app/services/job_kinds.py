"""The kinds of job Waymark runs (app.services.jobs): each says how to do one item and how to finish."""
from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from app.services import jobs
from app.services.evidence_store import path_for, safe_file_name
from exports import personal_data
from models.jobs import ItemStatus, Job, JobItem

PERSONAL_DATA = "personal_data"
EVIDENCE_ITEM = "evidence"


def personal_data_items() -> list[tuple[str, str]]:
    return [(s.name, f"Records: {s.name.replace('_', ' ')}") for s in personal_data.SECTIONS] + \
        [(EVIDENCE_ITEM, "Evidence files")]


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
    section = next(s for s in personal_data.SECTIONS if s.name == item.key)
    body = personal_data.section_json(session, section, _person(job))
    return jobs.write_atomically(root, f"{_folder(job)}/records/{section.name}.json", [body])


def _finish_personal(session: Session, job: Job, items: Sequence[JobItem], root: Path) -> jobs.Output:
    failed = [i.label for i in items if i.status is ItemStatus.FAILED]
    if failed:
        raise RuntimeError("not every part could be exported: " + "; ".join(failed))
    store = _evidence_dir(job)
    manifest: dict[str, str] = {}

    def write(out: BinaryIO) -> None:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            readme = personal_data.readme_text().encode("utf-8")
            archive.writestr("README.txt", readme)
            manifest["README.txt"] = hashlib.sha256(readme).hexdigest()
            for item in items:
                if item.output_file and item.sha256:
                    arcname = f"records/{item.key}.json"
                    archive.write(root / item.output_file, arcname)
                    manifest[arcname] = item.sha256
            for sha, name in personal_data.evidence_files(session, _person(job)):
                arcname = f"evidence/{sha[:16]}-{safe_file_name(name)}"
                if arcname not in manifest:
                    archive.write(path_for(store, sha), arcname)
                    manifest[arcname] = sha
            archive.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))

    return jobs.write_file_atomically(root, f"{_folder(job)}/waymark-personal-data-{job.id}.zip", write)


jobs.register(jobs.JobKind(PERSONAL_DATA, _run_personal_item, _finish_personal))
