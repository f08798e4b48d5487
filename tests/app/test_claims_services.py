"""Claim services: writing, submitting with what the framework asks for, every supervisor move, history and digests."""
import datetime as dt
import hashlib
import json

import pytest
from sqlalchemy import select

from app.services import claims as svc
from app.services.errors import DomainError, NotPermitted
from competences.claims import ClaimStatus
from models import Role, RoleGrant
from models.claims import ClaimStatusChange, CompetenceClaim
from models.evidence import EvidenceItem, StoredFile
from tests.factories import make_organisation, make_relationship, make_service, make_team, make_user

DAY = dt.date.today()  # sign-offs are dated between submission (now) and today
KSA_STATEMENT = {"how-learned": "On the PG Cert risk module.", "what-learned": "Formulating risk.",
                 "critical-appraisal": "Risk tools predict poorly; formulation matters more.",
                 "illustrative-examples": "1. A safety plan with a client.\n2. A handover to the crisis team."}


@pytest.fixture
def org(session):
    return make_organisation(session)


@pytest.fixture
def owner(session, org):
    return make_user(session, team=make_team(session, service=make_service(session, organisation=org)))


@pytest.fixture
def supervisor(session, org, owner):
    sup = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False)
    make_relationship(session, senior=sup, junior=owner, starts_on=dt.date(2025, 1, 1))
    return sup


def evidence(session, owner, title="Reference from line manager", content=None, deleted=False):
    content = content or title.encode()
    sha = hashlib.sha256(content).hexdigest()
    if session.get(StoredFile, sha) is None:
        session.add(StoredFile(sha256=sha, size=len(content), media_type="application/pdf"))
    item = EvidenceItem(owner_id=owner.id, title=title, kind="other", dated_on=dt.date(2026, 1, 5),
                        file_sha256=sha, file_name=f"{title}.pdf",
                        deleted_at=dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc) if deleted else None)
    session.add(item)
    session.flush()
    return item


def ksa(session, owner, item_id="ksa-8", statement=None, links=None):
    return svc.create_claim(session, owner, "ksa", item_id, None,
                            svc.ClaimInput(statement=KSA_STATEMENT if statement is None else statement,
                                           evidence=links or {}), on=DAY)


def ready_ksa_8(session, owner):
    """Criterion 8 with everything it needs: a course and a reference (the statement is the KSA3)."""
    course, ref = evidence(session, owner, "Risk course certificate"), evidence(session, owner, "Reference")
    return ksa(session, owner, links={course.id: "training-course", ref.id: "reference"})


def refused(call, *args, **kwargs):
    with pytest.raises(DomainError) as err:
        call(*args, **kwargs)
    return err.value


def history(session, claim):
    session.flush()
    return list(session.scalars(select(ClaimStatusChange).where(ClaimStatusChange.claim_id == claim.id)
                                .order_by(ClaimStatusChange.id)))


# --- writing -------------------------------------------------------------------------------------

def test_a_new_claim_is_a_draft_against_the_version_in_force_with_its_statement_and_typed_evidence(session, owner):
    ref = evidence(session, owner)
    claim = ksa(session, owner, links={ref.id: "reference"})
    assert (claim.status, claim.framework_id, claim.framework_version, claim.item_id, claim.level) == (
        ClaimStatus.DRAFT, "ksa", 1, "ksa-8", None)
    assert claim.statement == KSA_STATEMENT
    assert [(link.evidence_id, link.evidence_type) for link in claim.evidence_links] == [(ref.id, "reference")]
    assert history(session, claim) == []


def test_empty_statement_parts_are_not_stored(session, owner):
    claim = ksa(session, owner, statement={"how-learned": "  On a course ", "what-learned": "  "})
    assert claim.statement == {"how-learned": "On a course"}


def test_a_levelled_claim_needs_one_of_the_items_levels(session, owner):
    empty = svc.ClaimInput(statement={})
    assert refused(svc.create_claim, session, owner, "ksf", "c1", None, empty, on=DAY).field == "level"
    assert refused(svc.create_claim, session, owner, "ksf", "c1", 5, empty, on=DAY).message == (
        "Choose the level you are claiming")
    claim = svc.create_claim(session, owner, "ksf", "c1", 3, empty, on=DAY)
    assert claim.level == 3
    # Another level of the same dimension is another claim; the same level twice is not.
    svc.create_claim(session, owner, "ksf", "c1", 2, empty, on=DAY)
    assert refused(svc.create_claim, session, owner, "ksf", "c1", 3, empty, on=DAY).message == (
        "You already have a claim for C1 Communication at level 3: change that one instead")


def test_a_level_on_a_framework_without_levels_and_an_unknown_item_are_refused(session, owner):
    empty = svc.ClaimInput(statement={})
    assert refused(svc.create_claim, session, owner, "ksa", "ksa-1", 2, empty, on=DAY).message == (
        "This framework has no levels")
    assert refused(svc.create_claim, session, owner, "ksa", "ksa-99", None, empty, on=DAY).field == "item"


def test_one_live_claim_per_criterion_but_a_deleted_one_does_not_block_a_new_one(session, owner):
    first = ksa(session, owner)
    assert refused(ksa, session, owner).message == (
        "You already have a claim for 8 Awareness of risk: change that one instead")
    svc.delete_claim(session, first, owner)
    second = ksa(session, owner)
    assert second.id != first.id
    assert refused(svc.undo_delete_claim, session, first, owner).message == (
        "You have written another claim for this item since; delete that one first")


@pytest.mark.parametrize(("text", "message"), [
    ("x" * 5001, "Illustrative examples must be 5,000 characters or fewer"),
    ("Client 943 476 5919 taught me", "This looks like an NHS number. Waymark holds staff records only, never "
                                      "patient identifiers: remove it."),
    ("A man born 03/04/1987", "This looks like a date of birth. Waymark holds staff records only, never patient "
                              "identifiers: remove it."),
])
def test_statement_text_is_refused_beside_its_part(session, owner, text, message):
    err = refused(ksa, session, owner, statement={**KSA_STATEMENT, "illustrative-examples": text})
    assert (err.field, err.message) == ("statement_illustrative_examples", message)


def test_only_the_owners_live_evidence_can_be_linked_and_the_ksa_needs_its_type(session, org, owner):
    other = make_user(session, organisation=org)
    theirs, gone, mine = evidence(session, other, "Theirs"), evidence(session, owner, "Gone", deleted=True), \
        evidence(session, owner, "Mine")
    for item in (theirs, gone):
        err = refused(ksa, session, owner, links={item.id: "reference"})
        assert (err.field, err.message) == ("evidence", "Choose evidence from your own evidence library")
    err = refused(ksa, session, owner, links={mine.id: None})
    assert (err.field, err.message) == (f"evidence_{mine.id}", "Say which kind of evidence “Mine” is")
    err = refused(ksa, session, owner, links={mine.id: "a-novel"})
    assert err.field == f"evidence_{mine.id}"
    err = refused(svc.create_claim, session, owner, "ucl-cbt", "generic-mental-health-knowledge", None,
                  svc.ClaimInput(statement={}, evidence={mine.id: "reference"}), on=DAY)
    assert err.message == "This framework does not name kinds of evidence"


# --- submitting ----------------------------------------------------------------------------------

def test_submitting_with_nothing_written_names_every_missing_part_and_the_missing_evidence(session, owner):
    claim = ksa(session, owner, statement={})
    err = refused(svc.submit_claim, session, claim, owner)
    assert isinstance(err, svc.ClaimIncomplete)
    assert [(p.field, p.message) for p in err.problems] == [
        ("statement_how_learned", "Write “How it was learned” before submitting"),
        ("statement_what_learned", "Write “What was learned” before submitting"),
        ("statement_critical_appraisal",
         "Write “Critical appraisal of its relevance to psychotherapeutic roles” before submitting"),
        ("statement_illustrative_examples", "Write “Illustrative examples” before submitting"),
        ("evidence", "Link evidence for: Training course certificate or transcript, Reference"),
    ]
    assert claim.status is ClaimStatus.DRAFT and history(session, claim) == []


def test_one_example_is_not_two(session, owner):
    claim = ready_ksa_8(session, owner)
    svc.update_claim(session, claim, owner, svc.ClaimInput(
        statement={**KSA_STATEMENT, "illustrative-examples": "A safety plan with a client."},
        evidence={link.evidence_id: link.evidence_type for link in claim.evidence_links}))
    err = refused(svc.submit_claim, session, claim, owner)
    assert [(p.field, p.message) for p in err.problems] == [(
        "statement_illustrative_examples",
        "Give at least 2 illustrative examples, each in its own paragraph or numbered (1., 2.): Waymark found 1")]


@pytest.mark.parametrize(("text", "count"), [
    ("", 0), ("One long example.", 1), ("First.\n\nSecond.", 2), ("First.\nStill the first.", 1),
    ("1. First\n2. Second\n3. Third", 3), ("- First\n- Second", 2), ("Intro:\n1) a\n2) b", 2),
    ("First.\n   \nSecond.\n\n\nThird.", 3),
])
def test_examples_are_counted_by_paragraph_or_numbered_line(text, count):
    assert svc.count_examples(text) == count


def test_knowledge_with_a_reference_only_is_told_to_add_self_directed_study(session, owner):
    ref = evidence(session, owner)
    claim = ksa(session, owner, "ksa-1", links={ref.id: "reference"})
    [problem] = refused(svc.submit_claim, session, claim, owner).problems
    assert (problem.field, problem.message) == ("evidence", "Link evidence for: Record of self-directed study")


def test_deleted_evidence_does_not_count_towards_what_the_criterion_needs(session, owner):
    claim = ready_ksa_8(session, owner)
    claim.evidence_links[0].evidence.deleted_at = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
    [problem] = refused(svc.submit_claim, session, claim, owner).problems
    assert problem.message == "Link evidence for: Training course certificate or transcript"


def test_a_complete_claim_is_submitted_and_the_move_recorded_with_its_digest(session, owner):
    claim = ready_ksa_8(session, owner)
    svc.submit_claim(session, claim, owner)
    assert claim.status is ClaimStatus.SUBMITTED and claim.submitted_at is not None
    [row] = history(session, claim)
    assert (row.actor_id, row.action, row.from_status, row.to_status, row.comment, row.method) == (
        owner.id, "submit", "draft", "submitted", None, None)
    assert row.claim_digest == svc.claim_digest(claim) and len(row.claim_digest) == 64


def test_a_framework_without_evidence_rules_or_components_needs_only_its_statement(session, owner):
    claim = svc.create_claim(session, owner, "ucl-cbt", "generic-mental-health-knowledge", None,
                             svc.ClaimInput(statement={}), on=DAY)
    [problem] = refused(svc.submit_claim, session, claim, owner).problems
    assert (problem.field, problem.message) == ("statement_statement", "Write “Statement” before submitting")
    svc.update_claim(session, claim, owner, svc.ClaimInput(statement={"statement": "Seen in supervision."}))
    svc.submit_claim(session, claim, owner)
    assert claim.status is ClaimStatus.SUBMITTED


def test_the_digest_is_sha256_of_canonical_json_of_statement_item_and_sorted_files(session, owner):
    course = evidence(session, owner, "Course", content=b"course")
    ref = evidence(session, owner, "Ref", content=b"ref")
    claim = ksa(session, owner, links={ref.id: "reference", course.id: "training-course"})
    files = sorted([[hashlib.sha256(b"course").hexdigest(), "training-course"],
                    [hashlib.sha256(b"ref").hexdigest(), "reference"]])
    document = {"evidence": files, "framework": "ksa", "framework_version": 1, "item": "ksa-8", "level": None,
                "statement": dict(sorted(KSA_STATEMENT.items()))}
    expected = hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":"),
                                         ensure_ascii=False).encode()).hexdigest()
    assert svc.claim_digest(claim) == expected


def test_only_the_owner_submits_recalls_changes_or_deletes(session, owner, supervisor):
    claim = ready_ksa_8(session, owner)
    for call in (svc.submit_claim, svc.recall_claim, svc.delete_claim):
        assert isinstance(refused(call, session, claim, supervisor), NotPermitted)
    assert isinstance(refused(svc.update_claim, session, claim, supervisor, svc.ClaimInput(statement={})),
                      NotPermitted)


def test_recall_takes_a_submitted_claim_back_to_a_draft(session, owner):
    claim = ready_ksa_8(session, owner)
    assert refused(svc.recall_claim, session, claim, owner).message == (
        "Only a submitted claim that has not been reviewed can be recalled. This one is draft.")
    svc.submit_claim(session, claim, owner)
    svc.recall_claim(session, claim, owner)
    assert claim.status is ClaimStatus.DRAFT and claim.submitted_at is None
    assert [(h.action, h.to_status) for h in history(session, claim)] == [("submit", "submitted"), ("recall", "draft")]


def test_a_draft_or_returned_claim_can_be_deleted_and_restored_but_not_a_submitted_one(session, owner, supervisor):
    claim = ready_ksa_8(session, owner)
    svc.submit_claim(session, claim, owner)
    assert refused(svc.delete_claim, session, claim, owner).message == (
        "Only a draft or a returned claim can be deleted. This one is submitted.")
    svc.return_claim(session, claim, supervisor, "Say more about risk formulation.", on=DAY)
    svc.delete_claim(session, claim, owner)
    assert claim.is_deleted
    assert refused(svc.submit_claim, session, claim, owner).message == "This claim has been deleted; restore it first"
    svc.undo_delete_claim(session, claim, owner)
    assert not claim.is_deleted


# --- the supervisor's moves ----------------------------------------------------------------------

def submitted(session, owner):
    claim = ready_ksa_8(session, owner)
    svc.submit_claim(session, claim, owner)
    return claim


def test_a_current_supervisor_signs_off_with_a_method_and_the_claim_carries_the_sign_off(session, owner, supervisor):
    claim = submitted(session, owner)
    svc.sign_off(session, claim, supervisor, "live_observation", "Seen with two clients.", DAY)
    assert claim.status is ClaimStatus.SIGNED_OFF
    assert (claim.signed_by_id, claim.signed_on, claim.sign_off_method) == (supervisor.id, DAY, "live_observation")
    row = history(session, claim)[-1]
    assert (row.actor_id, row.action, row.from_status, row.to_status, row.comment, row.method) == (
        supervisor.id, "sign_off", "submitted", "signed_off", "Seen with two clients.", "live_observation")


def test_nobody_signs_off_their_own_claim_even_as_a_supervisor(session, org, owner):
    owner.role_grants.append(RoleGrant(role=Role.SUPERVISOR))
    claim = submitted(session, owner)
    err = refused(svc.sign_off, session, claim, owner, "discussion", None, DAY)
    assert isinstance(err, NotPermitted)
    assert err.message == "Nobody can sign off, return or withdraw their own claim"
    assert claim.status is ClaimStatus.SUBMITTED


@pytest.mark.parametrize("who", ["ended", "not_yet", "no_relationship", "no_supervisor_role"])
def test_only_a_supervisor_whose_supervision_is_current_on_the_day_may_sign(session, org, owner, who):
    from models import RelationshipKind

    viewer = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False, full_name="Other One")
    if who == "ended":
        make_relationship(session, senior=viewer, junior=owner, starts_on=dt.date(2025, 1, 1),
                          ends_on=DAY - dt.timedelta(days=1))
    elif who == "not_yet":
        make_relationship(session, senior=viewer, junior=owner, starts_on=DAY + dt.timedelta(days=1))
    elif who == "no_supervisor_role":
        viewer = make_user(session, organisation=org, roles=(Role.LINE_MANAGER,), profile=False)
        make_relationship(session, senior=viewer, junior=owner, kind=RelationshipKind.LINE_MANAGEMENT)
    claim = submitted(session, owner)
    for call, args in ((svc.sign_off, ("recording", None, DAY)), (svc.return_claim, ("Why",)),
                       (svc.withdraw_sign_off, ("Why",))):
        kwargs = {} if call is svc.sign_off else {"on": DAY}
        err = refused(call, session, claim, viewer, *args, **kwargs)
        assert isinstance(err, NotPermitted)
        assert err.message == f"Only a current supervisor of {owner.full_name} can review this claim"
    assert claim.status is ClaimStatus.SUBMITTED and len(history(session, claim)) == 1


def test_sign_off_needs_a_known_method(session, owner, supervisor):
    claim = submitted(session, owner)
    err = refused(svc.sign_off, session, claim, supervisor, "telepathy", None, DAY)
    assert (err.field, err.message) == ("method", "Choose how you saw this competence")


def test_a_draft_cannot_be_signed_off_or_returned(session, owner, supervisor):
    claim = ready_ksa_8(session, owner)
    assert refused(svc.sign_off, session, claim, supervisor, "recording", None, DAY).message == (
        "Only a claim waiting for review can be signed off. This one is draft.")
    assert refused(svc.return_claim, session, claim, supervisor, "No", on=DAY).message == (
        "Only a claim waiting for review can be returned. This one is draft.")


def test_returning_needs_a_comment_beside_the_comment_field(session, owner, supervisor):
    claim = submitted(session, owner)
    err = refused(svc.return_claim, session, claim, supervisor, "  ", on=DAY)
    assert (err.field, err.message) == ("comment", "Give a reason: the practitioner reads it.")
    svc.return_claim(session, claim, supervisor, "Add a second example.", on=DAY)
    assert claim.status is ClaimStatus.RETURNED
    assert history(session, claim)[-1].comment == "Add a second example."


def test_the_signer_alone_withdraws_a_sign_off_with_a_reason(session, org, owner, supervisor):
    second = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False)
    make_relationship(session, senior=second, junior=owner, starts_on=dt.date(2025, 1, 1))
    claim = submitted(session, owner)
    svc.sign_off(session, claim, supervisor, "recording", None, DAY)
    err = refused(svc.withdraw_sign_off, session, claim, second, "I disagree", on=DAY)
    assert err.message == "Only the supervisor who signed this claim off can withdraw the sign-off"
    err = refused(svc.withdraw_sign_off, session, claim, supervisor, "", on=DAY)
    assert (err.field, err.message) == ("comment", "Give a reason: the practitioner reads it.")
    svc.withdraw_sign_off(session, claim, supervisor, "Signed the wrong criterion.", on=DAY)
    assert claim.status is ClaimStatus.RETURNED
    assert (claim.signed_by_id, claim.signed_on, claim.sign_off_method) == (None, None, None)
    assert [h.action for h in history(session, claim)] == ["submit", "sign_off", "withdraw_sign_off"]


# --- changes after sign-off ----------------------------------------------------------------------

def signed(session, owner, supervisor):
    claim = submitted(session, owner)
    svc.sign_off(session, claim, supervisor, "recording", None, DAY)
    return claim


def links_of(claim):
    return {link.evidence_id: link.evidence_type for link in claim.evidence_links}


def test_changing_the_statement_of_a_signed_claim_needs_re_signing_and_is_recorded(session, owner, supervisor):
    claim = signed(session, owner, supervisor)
    signed_digest = history(session, claim)[-1].claim_digest
    changed = svc.update_claim(session, claim, owner, svc.ClaimInput(
        statement={**KSA_STATEMENT, "what-learned": "Formulating risk with the person."}, evidence=links_of(claim)))
    assert changed and claim.status is ClaimStatus.NEEDS_RESIGNING
    # The sign-off being re-checked is kept until someone acts on it.
    assert (claim.signed_by_id, claim.signed_on) == (supervisor.id, DAY)
    row = history(session, claim)[-1]
    assert (row.action, row.from_status, row.to_status, row.actor_id) == (
        "change", "signed_off", "needs_resigning", owner.id)
    assert row.claim_digest != signed_digest and row.claim_digest == svc.claim_digest(claim)
    svc.sign_off(session, claim, supervisor, "discussion", None, DAY)
    assert claim.status is ClaimStatus.SIGNED_OFF and claim.sign_off_method == "discussion"


def test_adding_or_retyping_evidence_changes_the_digest_and_needs_re_signing(session, owner, supervisor):
    claim = signed(session, owner, supervisor)
    before = svc.claim_digest(claim)
    extra = evidence(session, owner, "Risk audit", content=b"audit")
    svc.update_claim(session, claim, owner, svc.ClaimInput(statement=KSA_STATEMENT,
                                                           evidence={**links_of(claim), extra.id: "other-document"}))
    assert claim.status is ClaimStatus.NEEDS_RESIGNING
    after_adding = svc.claim_digest(claim)
    assert after_adding != before
    svc.update_claim(session, claim, owner, svc.ClaimInput(statement=KSA_STATEMENT,
                                                           evidence={**links_of(claim), extra.id: "reference"}))
    assert svc.claim_digest(claim) not in (before, after_adding)
    assert [h.action for h in history(session, claim)] == ["submit", "sign_off", "change", "change"]


def test_saving_without_a_change_records_nothing(session, owner, supervisor):
    claim = signed(session, owner, supervisor)
    assert svc.update_claim(session, claim, owner, svc.ClaimInput(statement=KSA_STATEMENT,
                                                                  evidence=links_of(claim))) is False
    assert claim.status is ClaimStatus.SIGNED_OFF and len(history(session, claim)) == 2


def test_changing_a_draft_is_not_recorded_but_changing_a_returned_claim_is(session, owner, supervisor):
    claim = ready_ksa_8(session, owner)
    svc.update_claim(session, claim, owner, svc.ClaimInput(statement={"how-learned": "Changed"}))
    assert claim.status is ClaimStatus.DRAFT and history(session, claim) == []
    svc.update_claim(session, claim, owner, svc.ClaimInput(statement=KSA_STATEMENT, evidence={
        e.id: t for e, t in ((evidence(session, owner, "C2"), "training-course"), (evidence(session, owner, "R2"),
                                                                                    "reference"))}))
    svc.submit_claim(session, claim, owner)
    svc.return_claim(session, claim, supervisor, "More please.", on=DAY)
    svc.update_claim(session, claim, owner, svc.ClaimInput(statement={**KSA_STATEMENT, "how-learned": "More."},
                                                           evidence=links_of(claim)))
    assert claim.status is ClaimStatus.RETURNED
    assert [(h.action, h.to_status) for h in history(session, claim)] == [
        ("submit", "submitted"), ("return", "returned"), ("change", "returned")]


def test_a_returned_sign_off_from_needs_resigning_clears_it(session, owner, supervisor):
    claim = signed(session, owner, supervisor)
    svc.update_claim(session, claim, owner, svc.ClaimInput(statement={**KSA_STATEMENT, "how-learned": "Other"},
                                                           evidence=links_of(claim)))
    svc.return_claim(session, claim, supervisor, "The new wording loses the point.", on=DAY)
    assert claim.status is ClaimStatus.RETURNED and claim.signed_by_id is None


# --- coverage ------------------------------------------------------------------------------------

def rows(cov):
    return {row.item.id: row for group in cov.groups for row in group.items}


def test_coverage_lists_every_ksa_criterion_with_status_evidence_count_and_what_is_still_needed(
        session, owner, supervisor):
    signed(session, owner, supervisor)                                   # ksa-8: signed off, 2 items
    ref = evidence(session, owner, "Ref 1")
    ksa(session, owner, "ksa-1", links={ref.id: "reference"})           # ksa-1: draft, 1 item
    ksa(session, owner, "ksa-11", statement={})                          # ksa-11: draft, nothing written
    cov = svc.coverage(session, owner.id, "ksa")
    found = rows(cov)
    assert len(found) == 14 and [g.title for g in cov.groups] == ["Knowledge", "Skills", "Attitudes", "Experience"]
    assert (found["ksa-8"].claims[0].status, found["ksa-8"].evidence_count, found["ksa-8"].missing) == (
        ClaimStatus.SIGNED_OFF, 2, ())
    assert (found["ksa-1"].claims[0].status, found["ksa-1"].evidence_count, found["ksa-1"].missing) == (
        ClaimStatus.DRAFT, 1, ("Record of self-directed study",))
    assert found["ksa-11"].missing == ("Self-statement", "Reference")
    # Unclaimed skills criterion 5: the countersigned statement, a reference and one of the others.
    assert (found["ksa-5"].claims, found["ksa-5"].missing) == (
        (), ("Countersigned self-statement", "Reference", "Training course certificate or transcript"))
    assert cov.counts == svc.Counts(items=14, claimed=3, submitted=0, signed_off=1)


def test_coverage_on_the_condensed_route_marks_exempt_criteria_and_leaves_them_out_of_the_counts(session, owner):
    ksa(session, owner, "ksa-5")
    ksa(session, owner, "ksa-1")
    cov = svc.coverage(session, owner.id, "ksa", variant_id="condensed-pwp")
    found = rows(cov)
    assert {i for i, row in found.items() if row.exempt} == {"ksa-5", "ksa-6", "ksa-7", "ksa-8", "ksa-12"}
    assert cov.counts == svc.Counts(items=9, claimed=1, submitted=0, signed_off=0)


def test_frameworks_coverage_counts_each_framework_and_ignores_deleted_claims(session, owner, supervisor):
    submitted(session, owner)
    gone = ksa(session, owner, "ksa-2")
    svc.delete_claim(session, gone, owner)
    svc.create_claim(session, owner, "ksf", "c1", 2, svc.ClaimInput(statement={}), on=DAY)
    svc.create_claim(session, owner, "ksf", "c1", 3, svc.ClaimInput(statement={}), on=DAY)
    found = {f.id: f for f in svc.frameworks_coverage(session, owner.id)}
    assert set(found) == {"iapt-competence-areas", "ksa", "ksf", "ucl-cbt", "ucl-supervision"}
    assert found["ksa"].counts == svc.Counts(items=14, claimed=1, submitted=1, signed_off=0)
    assert found["ksf"].counts.claimed == 1
    assert found["ucl-cbt"].counts.claimed == 0


def test_coverage_costs_the_same_queries_for_one_claim_and_ten(session, owner, count_queries):
    def queries_for(n):
        for i in range(1, n + 1):
            if session.scalar(select(CompetenceClaim).where(CompetenceClaim.item_id == f"ksa-{i}")) is None:
                ref = evidence(session, owner, f"Ref {i}")
                ksa(session, owner, f"ksa-{i}", links={ref.id: "reference"})
        session.flush()
        svc.coverage(session, owner.id, "ksa")  # warm the catalogue
        with count_queries() as q:
            svc.coverage(session, owner.id, "ksa")
        return q.count

    assert queries_for(1) == queries_for(10) == 3
