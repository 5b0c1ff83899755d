"""Console logging that stays readable in the demo: one line per finished task, and text
messages (the sign-in codes a new user waits for) set apart so they stand out among the
server's request lines. Wired up in settings.LOGGING."""

import logging
import sys

# django.tasks logs "Task id=%s path=%s state=%s" when a task starts and again when it ends.
_STARTED = "RUNNING"
# The console SMS backend logs each text it "sends" here, at INFO.
TEXT_MESSAGE_LOGGER = "membership.sms"
_RULE = "━" * 60


class TaskFinishedOnly(logging.Filter):
    """Drop the task worker's line for a task's start and keep the one for its end
    (SUCCESSFUL, or FAILED with its traceback): one line per task."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        return not (record.levelno < logging.WARNING and args and str(args[-1]) == _STARTED)


class ConsoleFormatter(logging.Formatter):
    """Plain lines, except a text message: between two rules, bold yellow on a terminal.
    (A text refused by the hourly ceiling is a WARNING or worse and stays a plain line.)"""

    def __init__(self, *args, colour: bool | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # StreamHandler writes to stderr unless told otherwise.
        self.colour = sys.stderr.isatty() if colour is None else colour

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if record.name != TEXT_MESSAGE_LOGGER or record.levelno >= logging.WARNING:
            return text
        block = f"{_RULE}\n{text}\n{_RULE}"
        return f"\033[1;33m{block}\033[0m" if self.colour else block
