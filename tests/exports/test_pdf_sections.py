import datetime as dt
import hashlib
import io
import os
import re
import time
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from exports import pdf as pdf_module
from exports.documents import MANIFEST_NAME, DocumentContent, Section, render, render_html
from exports.manifest import ManifestBuilder
from exports.pdf import Body, BodyCache, Mark, body_key, render_pdf

ISSUED = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.timezone.utc)


def _evidence(n, title="Certificate"):
    return [SimpleNamespace(title=f"{title} {i}", kind="certificate", dated_on=dt.date(2026, 1, 1) + dt.timedelta(days=i),
                            file_name=f"file-{i}.pdf", file_sha256=hashlib.sha256(str(i).encode()).hexdigest())
            for i in range(n)]


def _content(rows=80, title="Certificate"):
    def evidence(section_id, heading, items):
        return Section(section_id, heading, "pdf/sections/portfolio_evidence.html",
                       {"shown": items, "total": len(items), "chosen": False, "kinds": {"certificate": "Certificate"}})

    return DocumentContent(kind="test", title="Test portfolio", subject_name="Jane Doe", subtitle="as at today",
                           cover_rows=[("Role", "CBT therapist")], sections=[
                               evidence("first", "Evidence index", _evidence(rows, title)),
                               Section("creds", "Accreditations", "pdf/sections/credentials.html", {"rows": []}),
                               evidence("last", "More evidence", _evidence(3))])


def _render(content, document_id="WM-ABCD-EFGH-JKMN", **kwargs):
    return render(content, ManifestBuilder("test", 1), document_id=document_id, issued_at=ISSUED, **kwargs)


def _texts(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [" ".join(p.extract_text().split()) for p in reader.pages]


def _outline(reader):
    def walk(items, depth=0):
        for item in items:
            if isinstance(item, list):
                yield from walk(item, depth + 1)
            else:
                yield depth, item.title, reader.get_destination_page_number(item)
    return list(walk(reader.outline))


def test_a_document_laid_out_by_section_reads_like_the_one_laid_out_at_once():
    content = _content()
    whole = render_pdf(render_html(content, document_id="WM-ABCD-EFGH-JKMN", digest="0" * 64, issued_at=ISSUED),
                       identifier="WM-ABCD-EFGH-JKMN")
    sectioned = _render(content, workers=1)
    old_reader, old = _texts(whole)
    reader, new = _texts(sectioned.pdf)
    assert len(new) == len(old) > 3
    for page, (before, after) in enumerate(zip(old, new), start=1):
        words = lambda text: sorted(re.sub(r"\b[0-9a-f]{64}\b", "", text).split())  # the digests differ
        assert words(after) == words(before), page
        assert "WM-ABCD-EFGH-JKMN" in after and f"Page {page} of {len(new)}" in after
    assert _outline(reader) == _outline(old_reader)
    # The contents on the cover give each section's first page, as before.
    assert re.findall(r"Evidence index\.*\s*(\d+)", new[0]) == re.findall(r"Evidence index\.*\s*(\d+)", old[0])


def test_the_stamped_document_keeps_the_pdf_a_file_structure():
    rendered = _render(_content(rows=5), workers=1)
    assert rendered.pdf.startswith(b"%PDF-1.7\n%")
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert reader.trailer["/ID"][0] == "WM-ABCD-EFGH-JKMN"
    assert reader.metadata.title == "Test portfolio – Jane Doe" and reader.metadata.producer.startswith("WeasyPrint")
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp or b"<pdfaid:part>3</pdfaid:part>" in xmp
    assert "/OutputIntents" in reader.trailer["/Root"] and "/AF" in reader.trailer["/Root"]
    assert reader.attachments[MANIFEST_NAME] == [rendered.manifest.encode("utf-8")]


def test_a_repeat_export_lays_out_only_what_changed(tmp_path, monkeypatch):
    cache = BodyCache(tmp_path / "cache")
    laid_out = []
    real = pdf_module.render_body

    def counting(html, fetcher=None):
        laid_out.append(re.search(r"<title>(.*?)</title>", html).group(1))
        return real(html, fetcher)

    monkeypatch.setattr(pdf_module, "render_body", counting)
    first = _render(_content(), cache=cache, workers=1)
    assert sorted(laid_out) == ["Accreditations", "Evidence index", "More evidence"]

    laid_out.clear()
    again = _render(_content(), document_id="WM-BCDE-FGHJ-KMNP", cache=cache, workers=1)
    assert laid_out == []
    assert _texts(again.pdf)[1] == [t.replace("WM-ABCD-EFGH-JKMN", "WM-BCDE-FGHJ-KMNP") for t in _texts(first.pdf)[1]]

    changed = _render(_content(title="Diploma"), document_id="WM-CDEF-GHJK-MNPQ", cache=cache, workers=1)
    assert laid_out == ["Evidence index"]
    text = " ".join(_texts(changed.pdf)[1])
    assert "Diploma 50" in text and "Certificate 50" not in text


def test_parallel_layout_gives_the_same_pages():
    content = _content()
    assert _texts(_render(content, workers=2).pdf)[1] == _texts(_render(content, workers=1).pdf)[1]


def test_a_damaged_cache_entry_is_laid_out_again(tmp_path):
    cache = BodyCache(tmp_path)
    body = Body(b"%PDF-1.7 not really", ((Mark(2, "Heading", 10.0),),))
    key = "a" * 64
    cache.put(key, body)
    assert cache.get(key) == body
    (tmp_path / f"{key}.pdf").write_bytes(b"%PDF-1.7 altered")
    assert cache.get(key) is None
    (tmp_path / f"{key}.json").write_text("{not json")
    assert cache.get(key) is None
    assert cache.get("b" * 64) is None
    with pytest.raises(ValueError):
        cache.get("../../etc/passwd")


def test_the_cache_forgets_old_entries_and_keeps_within_its_size(tmp_path):
    cache = BodyCache(tmp_path, max_bytes=250, max_age=3600)
    for n, key in enumerate(("a" * 64, "b" * 64, "c" * 64)):
        cache.put(key, Body(bytes([65 + n]) * 100, ()))
        old = time.time() - 10 * (3 - n)
        os.utime(tmp_path / f"{key}.pdf", (old, old))
    assert cache.get("a" * 64) is None and cache.get("b" * 64) is not None  # the least recently used went first
    cache.prune(now=time.time() + 7200)
    assert list(tmp_path.iterdir()) == []


def test_the_cache_key_covers_the_section_html_and_the_stylesheet(monkeypatch, tmp_path):
    assert body_key("<p>a</p>") != body_key("<p>b</p>")
    before = body_key("<p>a</p>")
    (tmp_path / "print.css").write_text("p { color: red; }")
    monkeypatch.setattr(pdf_module, "ASSETS", tmp_path)
    assert body_key("<p>a</p>") != before


def test_a_section_with_a_link_is_refused_rather_than_losing_it():
    from exports.pdf import render_body

    with pytest.raises(ValueError, match="links"):
        render_body('<!DOCTYPE html><html lang="en"><title>x</title><p><a href="#x">here</a><span id="x"></span></p>')


class _NoPool:
    """Stands in for ProcessPoolExecutor where no process may be forked."""

    def __init__(self, *args, **kwargs):
        raise AssertionError("a layout process was started")


def test_one_render_process_lays_out_in_this_process_with_the_same_pages(monkeypatch):
    content = _content()
    started = []
    real_pool = pdf_module.ProcessPoolExecutor

    def counting_pool(*args, **kwargs):
        started.append(kwargs["max_workers"])
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(pdf_module.os, "sched_getaffinity", lambda _pid: {0, 1})
    monkeypatch.setattr(pdf_module, "ProcessPoolExecutor", counting_pool)
    two = _render(content, workers=pdf_module.render_workers(2))
    assert started == [2]
    monkeypatch.setattr(pdf_module, "ProcessPoolExecutor", _NoPool)
    one = _render(content, workers=pdf_module.render_workers(1))
    assert _texts(one.pdf)[1] == _texts(two.pdf)[1]


def test_render_processes_never_exceed_the_cores_and_default_to_two(monkeypatch):
    monkeypatch.setattr(pdf_module.os, "sched_getaffinity", lambda _pid: {0})
    assert pdf_module.render_workers(2) == 1 and pdf_module.render_workers() == 1
    monkeypatch.setattr(pdf_module.os, "sched_getaffinity", lambda _pid: set(range(8)))
    assert pdf_module.render_workers() == pdf_module.RENDER_PROCESSES == 2
    assert pdf_module.render_workers(1) == 1 and pdf_module.render_workers(4) == 4


def test_beside_other_threads_layout_processes_come_from_a_fork_server_with_the_same_pages(monkeypatch):
    """Forking a process that runs other threads can copy a lock one of them holds; then a fork server is used."""
    import threading

    content = _content()
    contexts = []
    real_pool = pdf_module.ProcessPoolExecutor

    def recording_pool(*args, **kwargs):
        contexts.append(kwargs["mp_context"].get_start_method())
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(pdf_module, "ProcessPoolExecutor", recording_pool)
    monkeypatch.setattr(pdf_module.threading, "active_count", lambda: 1)  # whatever else the test run left running
    alone = _render(content, workers=2)
    monkeypatch.undo()
    monkeypatch.setattr(pdf_module, "ProcessPoolExecutor", recording_pool)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        beside = _render(content, workers=2)
    finally:
        stop.set()
        other.join()
    assert contexts == ["fork", "forkserver"]
    assert _texts(beside.pdf)[1] == _texts(alone.pdf)[1]
