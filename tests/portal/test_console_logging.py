"""The demo's console: one line per task the worker runs, and text messages set apart."""

import logging

import pytest
from django.tasks import task

from membership.sms import ConsoleSMSBackend, SMSMessage
from portal.console_logging import ConsoleFormatter


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def fail() -> None:
    raise RuntimeError("boom")


def _task_lines(caplog):
    return [r for r in caplog.records if r.name == "django.tasks" and r.levelno >= logging.INFO]


def test_a_task_logs_one_line_when_it_ends_not_two(caplog):
    with caplog.at_level(logging.INFO):
        add.enqueue(1, 2)

    lines = _task_lines(caplog)
    assert len(lines) == 1
    assert "state=SUCCESSFUL" in lines[0].getMessage()


def test_a_failed_task_still_logs_its_error(caplog):
    with caplog.at_level(logging.INFO):
        fail.enqueue()

    lines = _task_lines(caplog)
    assert len(lines) == 1
    assert lines[0].levelno == logging.ERROR and "state=FAILED" in lines[0].getMessage()


def test_a_text_message_is_logged_once_and_framed(caplog, capsys):
    with caplog.at_level(logging.INFO, logger="membership.sms"):
        ConsoleSMSBackend().send(SMSMessage(to="+8613800000000", body="验证码 123456"))

    records = [r for r in caplog.records if r.name == "membership.sms"]
    assert len(records) == 1
    assert capsys.readouterr().out == ""  # no second copy printed beside the log line
    framed = ConsoleFormatter(colour=False).format(records[0])
    lines = framed.splitlines()
    assert len(lines) == 3 and lines[0] == lines[2] and set(lines[0]) == {"━"}
    assert lines[1] == "SMS to +8613800000000: 验证码 123456"
    assert ConsoleFormatter(colour=True).format(records[0]).startswith("\033[1;33m")


@pytest.mark.parametrize("level", [logging.INFO, logging.WARNING])
def test_other_lines_stay_plain(level):
    record = logging.LogRecord("django.request", level, __file__, 1, "GET /me/ %s", (200,), None)
    assert ConsoleFormatter(colour=True).format(record) == "GET /me/ 200"


def test_a_refused_text_stays_a_plain_line():
    record = logging.LogRecord("membership.sms", logging.ERROR, __file__, 1, "not sent", (), None)
    assert ConsoleFormatter(colour=True).format(record) == "not sent"


def test_a_django_line_reaches_one_console_handler_only():
    """Django's default config gives the "django" logger a console handler of its own (for
    DEBUG); with the root's, every line printed twice in the demo."""
    logger, streams = logging.getLogger("django.tasks"), []
    while logger is not None:
        streams += [h for h in logger.handlers if type(h) is logging.StreamHandler]
        logger = logger.parent if logger.propagate else None
    assert len(streams) == 1
