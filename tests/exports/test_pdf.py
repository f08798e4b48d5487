"""The PDF renderer fetches nothing outside the print assets, yet still renders; metadata and the manifest go in."""
import http.server
import io
import threading

import pytest
from pypdf import PdfReader

from exports.pdf import MAX_DATA_URL, SafeFetcher, render_pdf, EmbeddedFile


@pytest.fixture
def local_server():
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def html(head="", body="<h1>Portfolio of Amira Hassan</h1>"):
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Test portfolio</title>'
            f'<meta name="author" content="Waymark"><meta name="keywords" content="WM-TEST">{head}</head>'
            f"<body>{body}</body></html>")


def test_hostile_resources_are_refused_and_the_pdf_still_renders(local_server):
    url, hits = local_server
    hostile = (f'<link rel="stylesheet" href="{url}/x.css"><link rel="attachment" href="file:///etc/passwd">'
               '<link rel="stylesheet" href="/assets/../../../../etc/passwd">'
               '<link rel="stylesheet" href="/assets/%2e%2e/%2e%2e/pdf.py">'
               f'<style>@import url("{url}/imported.css"); body {{ background: url("file:///etc/hostname") }}</style>')
    body = (f'<img src="file:///etc/passwd" alt=""><img src="{url}/pixel.png" alt="">'
            '<object data="file:///etc/passwd"></object><h1>Still here</h1>')
    fetcher = SafeFetcher()
    pdf = render_pdf(html(hostile, body), identifier="WM-TEST", fetcher=fetcher)
    reader = PdfReader(io.BytesIO(pdf))
    assert "Still here" in reader.pages[0].extract_text()
    assert hits == []
    assert list(reader.attachments) == []
    assert b"root:x:0:0" not in pdf
    blocked = " ".join(fetcher.blocked)
    for fragment in ("file:///etc/passwd", f"{url}/x.css", "imported.css", "etc/passwd", "pdf.py"):
        assert fragment in blocked, fragment


def test_the_apps_own_print_stylesheet_is_served():
    fetcher = SafeFetcher()
    render_pdf(html('<link rel="stylesheet" href="/assets/print.css">'), identifier="WM-TEST", fetcher=fetcher)
    assert fetcher.blocked == []


def test_a_large_data_url_is_refused():
    fetcher = SafeFetcher()
    big = "data:image/png;base64," + "A" * (MAX_DATA_URL + 10)
    render_pdf(html(body=f'<img src="{big}" alt=""><p>Text</p>'), identifier="WM-TEST", fetcher=fetcher)
    assert any(b.startswith("data:image/png") for b in fetcher.blocked)


def test_metadata_pdf_a_and_the_embedded_manifest():
    pdf = render_pdf(html(), identifier="WM-ABCD-EFGH-JKMN",
                     attachments=[EmbeddedFile("waymark-manifest.json", b'{"records": []}', "Manifest")])
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == "Test portfolio" and reader.metadata.author == "Waymark"
    assert reader.attachments["waymark-manifest.json"] == [b'{"records": []}']
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp or b"<pdfaid:part>3</pdfaid:part>" in xmp
    assert b"WM-ABCD-EFGH-JKMN" in pdf  # the PDF's /ID starts with the document id


def test_user_text_cannot_inject_markup_into_a_document():
    from exports.documents import DocumentContent, Section, render_html
    import datetime as dt

    evil = '<script>alert(1)</script><img src="file:///etc/passwd">'
    content = DocumentContent(kind="test", title="Pack", subject_name=evil, sections=[
        Section("s", "Section", "pdf/sections/credentials.html", {"rows": []})], cover_rows=[("Job title", evil)])
    page = render_html(content, document_id="WM-TEST", digest="0" * 64,
                       issued_at=dt.datetime(2026, 11, 30, tzinfo=dt.timezone.utc))
    assert "<script>" not in page and "&lt;script&gt;" in page and '<img src="file' not in page
