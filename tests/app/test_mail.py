"""Outgoing e-mail: sent at once, or queued in the outbox and delivered by a worker after the response, on the
in-process lane or on RQ, with the body dropped once delivered and the error kept when SMTP fails."""
import os
import smtplib
import threading
import uuid

import pytest
from sqlalchemy import select

from app.jobs import runner
from app.services import mail as mail_service
from models import OutboxMail

SMTP = mail_service.SMTPSettings(server="smtp.example.org", port=2525, username="waymark", password="secret")


class FakeSMTP:
    """Stands in for smtplib.SMTP: records each message and the thread that sent it; `gate` can hold it back."""

    def __init__(self, *, fail: Exception | None = None):
        self.sent = []
        self.threads = []
        self.fail = fail
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, host, port, timeout):
        fake = self

        class Connection:
            def __enter__(self):
                fake.gate.wait(10)
                if fake.fail is not None:
                    raise fake.fail
                return self

            def __exit__(self, *exc):
                return False

            def starttls(self):
                pass

            def login(self, user, password):
                pass

            def send_message(self, msg):
                fake.sent.append(msg)
                fake.threads.append(threading.current_thread().name)

        return Connection()


@pytest.fixture
def fake_smtp(monkeypatch):
    fake = FakeSMTP()
    monkeypatch.setattr(mail_service.smtplib, "SMTP", fake)
    return fake


def _queued(session, body="Your link: https://waymark.example/x"):
    mail = mail_service.send_mail(session, SMTP, "sam@example.org", "Hello", body, deliver=False)
    session.commit()
    return mail


def test_a_queued_message_waits_in_the_outbox_until_delivered(session, fake_smtp):
    mail = _queued(session)
    assert fake_smtp.sent == [] and mail.sent_at is None and "https://waymark.example/x" in mail.body
    mail_service.deliver(session, SMTP, mail.id)
    session.commit()
    [msg] = fake_smtp.sent
    assert msg["To"] == "sam@example.org" and "https://waymark.example/x" in msg.get_content()
    assert mail.sent_at is not None and mail.error is None and mail.body == mail_service.DELIVERED_BODY


def test_a_delivered_message_is_not_sent_twice(session, fake_smtp):
    mail = _queued(session)
    mail_service.deliver(session, SMTP, mail.id)
    mail_service.deliver(session, SMTP, mail.id)
    assert len(fake_smtp.sent) == 1


def test_without_smtp_delivery_leaves_the_message_in_the_outbox(session, fake_smtp):
    mail = _queued(session)
    mail_service.deliver(session, mail_service.SMTPSettings(server=None), mail.id)
    assert fake_smtp.sent == [] and mail.sent_at is None and mail.error is None and "waymark.example" in mail.body


def test_an_smtp_failure_is_recorded_on_the_row_and_the_body_kept(session, monkeypatch):
    monkeypatch.setattr(mail_service.smtplib, "SMTP", FakeSMTP(fail=smtplib.SMTPConnectError(421, "try later")))
    mail = _queued(session)
    mail_service.deliver(session, SMTP, mail.id)
    assert mail.sent_at is None and mail.error.startswith("SMTPConnectError: ") and "try later" in mail.error
    assert "https://waymark.example/x" in mail.body


def test_send_mail_still_sends_at_once_by_default(session, fake_smtp):
    mail = mail_service.send_mail(session, SMTP, "sam@example.org", "Hello", "Body")
    assert len(fake_smtp.sent) == 1 and mail.sent_at is not None and mail.body == mail_service.DELIVERED_BODY


def test_a_call_runs_after_the_request_on_the_in_process_lane_not_the_jobs_thread(app, session, fake_smtp):
    app.config.update(MAIL_SERVER="smtp.example.org")
    mail = _queued(session)
    with app.test_request_context():
        runner.enqueue_call(runner.deliver_mail, mail.id)
    assert runner.call_worker(app).wait(30)
    assert fake_smtp.threads == ["waymark-calls"]
    session.expire_all()
    row = session.get(OutboxMail, mail.id)
    assert row.sent_at is not None and row.body == mail_service.DELIVERED_BODY


def test_when_redis_refuses_the_call_it_runs_in_process_instead(app, session, fake_smtp):
    app.config.update(MAIL_SERVER="smtp.example.org", REDIS_URL="redis://127.0.0.1:1/0")
    mail = _queued(session)
    with app.test_request_context():
        runner.enqueue_call(runner.deliver_mail, mail.id)
    assert runner.call_worker(app).wait(30)
    session.expire_all()
    assert session.get(OutboxMail, mail.id).sent_at is not None and len(fake_smtp.sent) == 1


def _redis_url():
    import redis

    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("WAYMARK_REQUIRE_REDIS"):
            raise
        pytest.skip("no Redis on 127.0.0.1:6379 (CI sets WAYMARK_REQUIRE_REDIS=1 and starts one)")
    return url


def test_on_rq_the_message_is_queued_ahead_of_jobs_and_delivered_by_a_worker(app, session, fake_smtp, monkeypatch):
    from rq import SimpleWorker

    url = _redis_url()
    queue_name = f"waymark-test-{uuid.uuid4().hex[:8]}"
    app.config.update(MAIL_SERVER="smtp.example.org", REDIS_URL=url, RQ_QUEUE=queue_name)
    monkeypatch.setattr(runner, "_worker_app", app)
    queue = runner.rq_queue(url, queue_name)
    try:
        queue.enqueue(print, "a job already waiting")
        mail = _queued(session)
        with app.test_request_context():
            runner.enqueue_call(runner.deliver_mail, mail.id)
        assert fake_smtp.sent == [] and queue.count == 2
        assert queue.jobs[0].func_name == "app.jobs.runner.call"
        SimpleWorker([queue], connection=queue.connection).work(burst=True, max_jobs=1)
    finally:
        queue.empty()
        queue.delete()
    assert "waymark.calls" not in app.extensions and len(fake_smtp.sent) == 1
    session.expire_all()
    assert session.scalar(select(OutboxMail.sent_at).where(OutboxMail.id == mail.id)) is not None
