"""What every fuzz test shares: how many inputs to try, and inputs that look almost right.

Each parser is given mutations of real, valid input (a character changed, a piece cut, a
piece pasted from elsewhere, a line repeated) as well as plain garbage. A short run is part
of `make test`; `PUBLICA_FUZZ_EXAMPLES=10000` makes a long one.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

__all__ = ["EXAMPLES", "fuzz", "garbage", "mutated"]

#: Inputs per parser in a short run; database-backed tests use a fifth of it.
EXAMPLES = int(os.environ.get("PUBLICA_FUZZ_EXAMPLES", "100"))


def fuzz(*, share: float = 1.0) -> settings:
    """Hypothesis settings for a fuzz test: no deadline (some use the database)."""
    return settings(
        max_examples=max(5, int(EXAMPLES * share)),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )


#: Characters parsers trip on: quotes, brackets, escapes, controls, surrogates' neighbours.
TRICKY = st.sampled_from(
    [
        *"\"'`()[]{}<>:;,.=$/\\#&|!?*^~+-%@\n\r\t\x00\x0b\x1b\x7f\u00a0\u2028\ufeff\U0001f600",
        "",
        " ",
        "  ",
        "null",
        "true",
        "NaN",
        "1e999",
        "-0",
        "9" * 30,
        "\ud7ff",
        "é",
        "..",
        "\u00b2",
        "\u0661",
        "\u2460",
        "ø",
    ]
)


def garbage(max_size: int = 200) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=max_size),
        st.lists(TRICKY, max_size=max_size // 4).map("".join),
    )


@st.composite
def mutated(draw: st.DrawFn, seeds: Sequence[str], *, fragments: Sequence[str] = ()) -> str:
    """One of `seeds`, changed in one to five places."""
    text = draw(st.sampled_from(list(seeds)))
    pieces = [*fragments, *(seed[i : i + 12] for seed in seeds for i in range(0, len(seed), 97))]
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["replace", "cut", "insert", "paste", "repeat-line"]))
        if action == "replace" and text:
            at = min(at, len(text) - 1)
            text = text[:at] + draw(TRICKY) + text[at + 1 :]
        elif action == "cut":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif action == "insert":
            text = text[:at] + draw(st.text(max_size=8)) + text[at:]
        elif action == "paste" and pieces:
            text = text[:at] + draw(st.sampled_from(pieces)) + text[at:]
        else:
            lines = text.split("\n")
            line = draw(st.integers(0, len(lines) - 1))
            lines.insert(line, lines[line])
            text = "\n".join(lines)
    return text
