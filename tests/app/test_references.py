"""References and countersignatures written in Waymark by the named supervisor, and the supervisor's queue of them."""
import datetime as dt

import pytest
from sqlalchemy import select

from app.services import ksa as ksa_service
from app.services import references
from models import AuditEvent, Role
from models.ksa import ReferenceKind, ReferenceRequest, ReferenceStatus
from tests.factories import PASSWORD, make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date.today()


@pytest.fixture
def org(session):
    return make_organisation(session)


@pytest.fixture
def owner(session, org):
    return make_user(session, team=make_team(session, service=make_service(session, organisation=org)),
                     full_name="Priya Practitioner")


@pytest.fixture
def supervisor(session, org, owner):
    sup = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False, full_name="Sam Supervisor")
    make_relationship(session, senior=sup, junior=owner, starts_on=dt.date(2025, 1, 1))
    return sup


@pytest.fixture
def signed_in(app, client, session):
    def sign_in(user):
        session.commit()
        c = app.test_client()
        assert c.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
        return c

    return sign_in


def ask(session, owner, referee, kind=ReferenceKind.REFERENCE, criteria=("ksa-1", "ksa-3")):
    r = ReferenceRequest(owner_id=owner.id, kind=kind, criteria=list(criteria), referee_id=referee.id,
                         status=ReferenceStatus.REQUESTED)
    session.add(r)
    session.flush()
    return r


def test_the_named_supervisor_writes_the_reference_and_the_ksa_checklist_counts_it(signed_in, session, owner,
                                                                                   supervisor):
    request = ask(session, owner, supervisor)
    c = signed_in(supervisor)
    url = f"/references/{request.id}/write"
    page = c.get(url).get_data(as_text=True)
    assert "Reference (KSA4) for Priya Practitioner" in page
    response = c.submit(url, {"text": "Priya formulates carefully and uses supervision well."})
    assert response.status_code == 302
    session.expire_all()
    done = session.get(ReferenceRequest, request.id)
    assert (done.status, done.completed_via, done.response_text) == (
        ReferenceStatus.COMPLETED, "waymark", "Priya formulates carefully and uses supervision well.")
    held = ksa_service.route_evidence(session, owner.id, ksa_service.ksa_framework(session), biography=False,
                                      experience=False)
    assert {c for c, types in held.items() if "reference" in types} == {"ksa-1", "ksa-3"}
    assert session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "reference_completed")).all() == [
        str(request.id)]
    listing = c.get(f"/people/{owner.id}/ksa/references").get_data(as_text=True)
    assert "Priya formulates carefully" in listing


def test_a_countersignature_counts_as_a_countersigned_self_statement(session, owner, supervisor):
    request = ask(session, owner, supervisor, kind=ReferenceKind.COUNTERSIGNATURE, criteria=("ksa-2",))
    references.write_reference(session, request, supervisor, "I confirm these statements.", today=TODAY)
    held = ksa_service.route_evidence(session, owner.id, ksa_service.ksa_framework(session), biography=False,
                                      experience=False)
    assert "countersigned-self-statement" in held["ksa-2"]


def test_only_the_named_current_supervisor_may_open_the_page(signed_in, session, org, owner, supervisor):
    request = ask(session, owner, supervisor)
    other_supervisor = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False)
    make_relationship(session, senior=other_supervisor, junior=owner, starts_on=dt.date(2025, 1, 1))
    for person in (owner, other_supervisor, make_user(session, organisation=org, roles=(Role.HR,))):
        assert signed_in(person).get(f"/references/{request.id}/write").status_code == 404
    assert signed_in(supervisor).get("/references/999999/write").status_code == 404


def test_a_supervisor_whose_relationship_ended_can_no_longer_write_it(signed_in, session, org, owner):
    former = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False)
    make_relationship(session, senior=former, junior=owner, starts_on=dt.date(2025, 1, 1),
                      ends_on=TODAY - dt.timedelta(days=1))
    request = ask(session, owner, former)
    c = signed_in(former)
    assert c.get(f"/references/{request.id}/write").status_code == 404
    with pytest.raises(references.DomainError):
        references.write_reference(session, request, former, "Late reference.", today=TODAY)


def test_an_empty_or_identifying_reference_is_refused_beside_the_field(signed_in, session, owner, supervisor):
    request = ask(session, owner, supervisor)
    c = signed_in(supervisor)
    url = f"/references/{request.id}/write"
    assert "Write the reference" in c.submit(url, {"text": "  "}).get_data(as_text=True)
    refused = c.submit(url, {"text": "Saw the client at SW1A 1AA weekly."})
    assert refused.status_code == 400 and "postcode" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.get(ReferenceRequest, request.id).status is ReferenceStatus.REQUESTED


def test_a_reference_is_written_once(session, owner, supervisor):
    request = ask(session, owner, supervisor)
    references.write_reference(session, request, supervisor, "First.", today=TODAY)
    with pytest.raises(references.DomainError, match="changed while you were looking"):
        references.write_reference(session, request, supervisor, "Second.", today=TODAY)
    assert session.get(ReferenceRequest, request.id).response_text == "First."


def test_the_queue_lists_open_requests_naming_the_supervisor_in_a_fixed_number_of_queries(
        session, org, supervisor, count_queries):
    def queue_for(n):
        people = []
        for i in range(n):
            p = make_user(session, organisation=org, full_name=f"Person {n}-{i}")
            make_relationship(session, senior=supervisor, junior=p, starts_on=dt.date(2025, 1, 1))
            ask(session, p, supervisor)
            people.append(p)
        session.flush()
        with count_queries() as q:
            items = references.references_waiting(session, supervisor, people, TODAY)
        return items, q.count

    few, few_queries = queue_for(1)
    many, many_queries = queue_for(6)
    assert few_queries == many_queries == 1
    assert len(many) == 6 and many[0].kind == "reference" and many[0].endpoint == "outside.write_reference"
    assert many[0].title == "Reference (KSA4): KSA 1, KSA 3"
    # A request from a supervisee to another referee, or a finished one, is not in this supervisor's queue.
    person = session.get(type(supervisor), many[0].supervisee_id)
    ask(session, person, make_user(session, organisation=org, roles=(Role.SUPERVISOR,)))
    references.write_reference(session, session.get(ReferenceRequest, many[1].args["request_id"]), supervisor,
                               "Done.", today=TODAY)
    supervisees = [session.get(type(supervisor), i.supervisee_id) for i in many]
    assert len(references.references_waiting(session, supervisor, supervisees, TODAY)) == 5
