"""The optional generative step: an OpenAI-compatible chat-completions endpoint rephrases a
composed answer, from the catalogue passages only, citing them as [1], [2]. No Django.

The endpoint is told to use only the numbered passages. Its reply is then checked, since a
model may not obey: it must cite at least one passage and only passages that exist, and every
number in it (a fee, a count of days) must appear in the passages. Anything else — a refusal,
a timeout, an error, a reply that fails a check — returns None, and the composed answer
stands.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Sequence

from publica.assistant.answers import Passage

__all__ = ["rephrase"]

logger = logging.getLogger(__name__)

_SYSTEM = (
    "You help residents of a council find the right service. Answer the resident's question "
    "in two or three short, plain sentences using ONLY the numbered passages. Cite each "
    "passage you use as [n]. Do not add any fee, time, deadline, rule or contact detail that "
    "is not in the passages. If the passages do not answer the question, say so."
)
_CITATION = re.compile(r"\[(\d+)\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def rephrase(
    question: str,
    passages: Sequence[Passage],
    *,
    url: str,
    model: str,
    key: str = "",
    timeout: float = 5.0,
) -> str | None:
    """The endpoint's rephrasing with citations, or None when it cannot be trusted or had."""
    if not url or not passages:
        return None
    numbered = "\n".join(f"[{n}] ({p.label}) {p.text}" for n, p in enumerate(passages, start=1))
    body = {
        "model": model,
        "temperature": 0,
        "messages": [
            {"role": "system", "content": _SYSTEM},
            {"role": "user", "content": f"Passages:\n{numbered}\n\nQuestion: {question}"},
        ],
    }
    request = urllib.request.Request(
        url.rstrip("/") + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **_authorisation(key)},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            reply = json.loads(response.read())
        text = str(reply["choices"][0]["message"]["content"]).strip()
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        logger.warning("assistant: the rephrasing endpoint failed (%s); using the composed answer",
                       type(exc).__name__)  # fmt: skip
        return None
    if not _trustworthy(text, passages):
        logger.warning("assistant: a rephrasing failed its checks; using the composed answer")
        return None
    return text


def _authorisation(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} if key else {}


def _trustworthy(text: str, passages: Sequence[Passage]) -> bool:
    """Cites real passages, and states no number the passages do not state."""
    cited = {int(n) for n in _CITATION.findall(text)}
    if not cited or not cited <= set(range(1, len(passages) + 1)):
        return False
    source = " ".join(p.text for p in passages)
    known = set(_NUMBER.findall(source))
    stated = set(_NUMBER.findall(_CITATION.sub("", text)))
    return stated <= known
