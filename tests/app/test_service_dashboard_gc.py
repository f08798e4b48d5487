"""Garbage collection pauses while a dashboard is built and always resumes: after the last of overlapping builds,
after a failed one, and never when it was off to begin with."""
import gc

import pytest

from app.services import service_dashboard as sd


@pytest.fixture
def gc_state():
    was = gc.isenabled()
    gc.enable()
    yield
    gc.enable() if was else gc.disable()


def test_collection_resumes_after_the_last_overlapping_build(gc_state):
    with sd._gc_paused():
        assert not gc.isenabled()
        with sd._gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer build is still running
    assert gc.isenabled()


def test_collection_resumes_after_a_failed_build(gc_state):
    with pytest.raises(RuntimeError):
        with sd._gc_paused():
            raise RuntimeError("boom")
    assert gc.isenabled()


def test_collection_switched_off_elsewhere_stays_off(gc_state):
    gc.disable()
    with sd._gc_paused():
        pass
    assert not gc.isenabled()


def test_a_failing_dashboard_leaves_collection_on(session, gc_state):
    with pytest.raises(AttributeError):
        sd.dashboard(session, None, None)  # no scope: fails inside the build
    assert gc.isenabled()
