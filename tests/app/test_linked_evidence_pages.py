"""CPD entries and cases list the evidence linked to them, with the hash, and never a deleted item."""
import datetime as dt
import hashlib

from models.base import utcnow
from models.evidence import CaseEvidence, CpdEvidence, EvidenceItem, StoredFile
from tests.factories import make_user
from tests.models.test_snapshot import add_case, add_cpd


def add_item(session, owner, title, content, *, deleted=False):
    sha = hashlib.sha256(content).hexdigest()
    if session.get(StoredFile, sha) is None:
        session.add(StoredFile(sha256=sha, size=len(content), media_type="text/plain"))
    item = EvidenceItem(owner_id=owner.id, title=title, kind="certificate", dated_on=dt.date(2025, 3, 1),
                        file_sha256=sha, file_name=f"{title}.txt", deleted_at=utcnow() if deleted else None)
    session.add(item)
    session.flush()
    return item


def test_a_cpd_entry_page_lists_its_live_evidence_with_a_short_hash(client, session, login_as):
    person = make_user(session)
    entry = add_cpd(session, person, dt.date(2025, 3, 2), 90)
    kept = add_item(session, person, "Workshop certificate", b"certificate")
    gone = add_item(session, person, "Old handout", b"handout", deleted=True)
    for item in (kept, gone):
        session.add(CpdEvidence(cpd_id=entry.id, evidence_id=item.id))
    session.commit()
    login_as(person)

    html = client.get(f"/people/{person.id}/cpd/{entry.id}").get_data(as_text=True)

    assert "Workshop certificate" in html and hashlib.sha256(b"certificate").hexdigest()[:12] in html
    assert f"/people/{person.id}/evidence/{kept.id}" in html
    assert "Old handout" not in html


def test_a_case_page_says_when_no_evidence_is_linked_and_lists_it_when_it_is(client, session, login_as):
    person = make_user(session)
    bare = add_case(session, person, "CS-01", "gad")
    linked = add_case(session, person, "CS-02", "depression")
    item = add_item(session, person, "Case study", b"case study text")
    session.add(CaseEvidence(case_id=linked.id, evidence_id=item.id))
    session.commit()
    login_as(person)

    assert "No evidence is linked to this entry." in client.get(f"/people/{person.id}/cases/{bare.id}").get_data(
        as_text=True)
    assert "Case study" in client.get(f"/people/{person.id}/cases/{linked.id}").get_data(as_text=True)


def test_the_profile_links_hr_to_the_evidence_shared_with_hr_only(client, session, login_as):
    from models import Role

    person = make_user(session)
    hr = make_user(session, roles=(Role.HR,), organisation=person.organisation, profile=False)
    session.commit()

    login_as(hr)
    html = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert f"/people/{person.id}/evidence/shared" in html and "Evidence shared with HR" in html
    assert f'href="/people/{person.id}/evidence"' not in html


def test_the_profile_links_the_person_to_their_whole_library(client, session, login_as):
    person = make_user(session)
    session.commit()

    login_as(person)
    html = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert f'href="/people/{person.id}/evidence"' in html and "Your evidence library" in html
