"""Publica's logs: one JSON object a line (or plain text for a person), with the request id on
every line written while a request is served, and e-mail addresses, phone numbers and tokens
redacted from every message, whoever wrote it.

Pure logging: nothing here imports Django, so settings.py can build LOGGING from it.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from datetime import datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter

__all__ = [
    "FORMATS",
    "JsonLineFormatter",
    "RedactFilter",
    "RequestIdFilter",
    "logging_config",
    "redact",
    "request_id",
]

FORMATS = ("json", "plain", "auto")

#: The id of the request this thread is serving ("" outside a request).
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

# Order matters: key=value secrets and bearer tokens go first, so a token that holds an "@"
# or digits is removed whole rather than in pieces.
_SECRET_PAIR = re.compile(
    r"(?i)\b(password|passwd|secret|token|api[_-]?key|key|signature|sig|code|otp|session(?:id)?"
    r"|csrfmiddlewaretoken)(=)[^\s&;,'\"]+"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_API_KEY = re.compile(r"\bpub_[A-Za-z0-9]+_[A-Za-z0-9_-]+")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# A phone number: an optional + or 00, then 10 to 15 digits that may be spaced by blanks,
# dots, dashes or brackets. Neither a date (8 digits) nor a UUID's last group (a dash before
# it) looks like one.
_PHONE = re.compile(r"(?<![\w:-])(?:\+|%2B)?\(?\d(?:[\s().-]{0,2}\d){9,14}(?![\w:-])")
# A long run of letters and digits with both in it: a reset link's token, a session key, a
# signed value. Hashes are caught too (a log has no need of them); a UUID is left alone.
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])"
_LONG_TOKEN = re.compile(
    rf"(?<![\w-])(?!{_UUID})(?=[A-Za-z_-]*\d)(?=[\d_-]*[A-Za-z])[A-Za-z0-9_-]{{24,}}"
)


def redact(text: str) -> str:
    """`text` with e-mail addresses, phone numbers and secrets replaced by a marker."""
    text = _SECRET_PAIR.sub(r"\1\2[redacted]", text)
    text = _BEARER.sub(r"\1 [redacted]", text)
    text = _API_KEY.sub("[api key]", text)
    text = _JWT.sub("[token]", text)
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub("[phone]", text)
    return _LONG_TOKEN.sub("[token]", text)


class RedactFilter(logging.Filter):
    """Redact the message and any traceback of every record a handler writes.

    The message is formatted here, once, so its arguments (a path, an address a library
    logged) are redacted too; the traceback is formatted and redacted into `exc_text`, which
    every formatter prints in place of formatting the exception again."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_publica_redacted", False):
            return True
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        record._publica_redacted = True
        return True


class RequestIdFilter(logging.Filter):
    """Add the request id of the request being served, when there is one."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = request_id.get()
        if current and not hasattr(record, "request_id"):
            record.request_id = current
        return True


#: The only fields a JSON line may hold: a record's other attributes (Django puts the whole
#: request on some, and its repr holds the query string) never reach the log.
JSON_FIELDS = (
    "time",
    "level",
    "logger",
    "message",
    "request_id",
    "method",
    "route",
    "status",
    "duration_ms",
    "client_ip",
    "status_code",
    "exc_info",
    "stack_info",
)


class JsonLineFormatter(JsonFormatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, the request id
    and the access-log fields when present, and the redacted traceback."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "%(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        kept = {name: log_data[name] for name in JSON_FIELDS if name in log_data}
        for name, value in kept.items():
            if not isinstance(value, str | int | float | bool | datetime | type(None)):
                kept[name] = redact(json.dumps(value, default=str))
        return kept


def chosen_format(configured: str, stream: Any = None) -> str:
    """`json` or `plain`: "auto" is plain on a terminal (a person reads it) and JSON
    otherwise (systemd's journal, a container's log, a file)."""
    if configured not in FORMATS:
        raise ValueError(
            f"PUBLICA_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {configured!r}"
        )
    if configured != "auto":
        return configured
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    return "plain" if isatty is not None and isatty() else "json"


def logging_config(*, format: str, level: str) -> dict[str, Any]:
    """Django's LOGGING: every record, from any library, through one console handler that
    redacts and adds the request id; in the format chosen."""
    handler = {
        "class": "logging.StreamHandler",
        "formatter": chosen_format(format),
        "filters": ["request_id", "redact"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "publica.core.logs.RequestIdFilter"},
            "redact": {"()": "publica.core.logs.RedactFilter"},
        },
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
            "json": {"()": "publica.core.logs.JsonLineFormatter"},
        },
        "handlers": {"console": handler},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's development server and gunicorn bring their own handlers, which would
            # print request lines (with query strings) unredacted: route them through ours.
            "django.server": {"handlers": ["console"], "level": level, "propagate": False},
            "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
            "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            # Django's own console handler (DEBUG only) would print its records twice.
            "django": {"handlers": [], "level": level, "propagate": True},
        },
    }
