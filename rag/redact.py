"""Keeping secrets out of messages and terminals: API keys, credentials in URLs, control characters.

``scrub`` masks given secrets, anything shaped like an API key, and the credentials of every URL in a text
(``user:password@`` and every query-string value, since ``?token=``, ``?key=``, ``?sig=`` ... all carry
them). ``printable`` drops terminal control and escape sequences from text that came from an article or
a model before it is printed. ``mask_logs`` applies ``scrub`` to the log records of the HTTP client
libraries, which log request URLs. Left out: secrets in request bodies (we send none).
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlsplit, urlunsplit

_KEYLIKE = re.compile(r"\b(sk|rk|pk|key|gsk|xai|hf)[-_][A-Za-z0-9_\-*]{6,}")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>]+", re.I)
_ANSI = re.compile(r"(\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|(\x1b\]|\x9d)[^\x07\x1b\x9c]*(\x07|\x1b\\|\x9c)?"
                   r"|\x1b[PX^_][^\x1b]*(\x1b\\)?|\x1b[ -~]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class Secret:
    """An API key that never shows itself in a repr, str, log line or error message."""

    __slots__ = ("_value",)

    def __init__(self, value: str | None) -> None:
        self._value = value or ""

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__


def mask_url(url: str) -> str:
    """``url`` with its user info and every query value masked: fit for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return re.sub(r"(?<=//)[^/@\s]*@", "***@", url.split("?", 1)[0])
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = "&".join(f"{k}=***" for k, _ in parse_qsl(parts.query, keep_blank_values=True)) or \
        ("***" if parts.query else "")
    return urlunsplit((parts.scheme, netloc, parts.path, query, "***" if parts.fragment else ""))


def without_credentials(url: str) -> str:
    """A URL fit for messages: user info dropped, query values masked."""
    return mask_url(url).replace("***@", "", 1)


def scrub(text: str, *secrets: Secret | str) -> str:
    """``text`` with the given secrets, anything shaped like an API key and credentials in URLs masked."""
    for s in secrets:
        value = s.reveal() if isinstance(s, Secret) else s
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    text = _URL.sub(lambda m: mask_url(m.group(0)), text)
    return _KEYLIKE.sub(lambda m: m.group(1) + "-***", text)


def printable(text: str) -> str:
    """``text`` without terminal escape sequences, control characters (newlines and tabs stay) or bidi overrides."""
    return _CONTROL.sub("", _ANSI.sub("", text or ""))


class _ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logging's business
            return True
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:  # tracebacks name URLs too
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        return True


_FILTER = _ScrubFilter()
CLIENT_LOGGERS = ("httpx", "httpcore", "httpcore.http11", "httpcore.connection", "openai", "openai._base_client",
                  "ollama", "ollama._client", "urllib3.connectionpool")


def mask_logs(names: tuple[str, ...] = CLIENT_LOGGERS) -> None:
    """Scrub every record the HTTP client libraries log (they log request URLs, query strings included).
    A logger's filter misses its children and clients rename their loggers between versions (``httpcore2``),
    so every record is also scrubbed where it is made."""
    global _factory_installed
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    if not _factory_installed:
        make = logging.getLogRecordFactory()

        def scrubbed(*args, **kwargs):
            record = make(*args, **kwargs)
            _FILTER.filter(record)
            return record

        logging.setLogRecordFactory(scrubbed)
        _factory_installed = True


_factory_installed = False
