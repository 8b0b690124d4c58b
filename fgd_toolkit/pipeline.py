"""``code()``: the whole coding job, from transcripts and a codebook to a :class:`CodingResult`.

The CLI's ``fgd code`` calls exactly this function.

>>> from fgd_toolkit import code
>>> result = code("transcripts/", "codebooks/inovasi-pelayanan-publik.yaml")   # doctest: +SKIP
>>> result.matrix("transcript_code")                                          # doctest: +SKIP
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .clustering import cluster_passages, reinforce_codings
from .codebook import Codebook, load_codebook
from .cachefiles import writable_cache_dir
from .embed import CachedEmbedder, EmbeddingSession, default_cache_dir, fit_backend, get_embedder
from .ingest import TranscriptList, read_transcripts
from .matrices import MATRIX_KINDS
from .models import Transcript
from .result import CodingResult
from .segment import to_passages
from .settings import CodeSettings, eligible_mask, ineligible_reasons
from .diagnostics import run_warnings
from .manifest import build_manifest, review_manifest
from .manifest import run_id as make_run_id
from .tagging.features import build_prototypes, gather_evidence, prototype_texts
from .tagging.model import load_models
from .review import apply_reviews
from .review.run import read_reviews, reviewed_rows, reviewed_turns
from .tagging.tagger import candidates_table, codings_table

Progress = Callable[[str, int, int], None]


def _as_transcripts(inputs, **read_options) -> list[Transcript]:
    if isinstance(inputs, Transcript):
        return [inputs]
    if isinstance(inputs, TranscriptList):
        return inputs
    if isinstance(inputs, (str, Path)):
        return read_transcripts(inputs, **read_options)
    items = list(inputs)
    if items and all(isinstance(i, Transcript) for i in items):
        return items
    return read_transcripts(items, **read_options)


@dataclass
class Analysis:
    """Intermediate results: which passages are coded, their vectors and all evidence."""

    passages: pd.DataFrame
    mask: np.ndarray
    vectors: np.ndarray
    prototypes: object
    evidence: object
    backend: object
    cache: CachedEmbedder


def context_rows(passages: pd.DataFrame) -> dict[str, list[tuple[int, ...]]]:
    """Per passage, the rows of its context in the conversation (same transcript):

    ``question``: the latest moderator turn before it; ``previous``: the turn just before
    its own.
    """
    tids = passages["transcript_id"].tolist()
    turns = passages["turn"].tolist()
    roles = passages["role"].tolist()
    rows_by_turn: dict[tuple[str, int], list[int]] = {}
    for i, key in enumerate(zip(tids, turns)):
        rows_by_turn.setdefault(key, []).append(i)
    question: list[tuple[int, ...]] = []
    previous: list[tuple[int, ...]] = []
    last_question: tuple[int, ...] = ()
    last_tid = None
    for i, (tid, turn, role) in enumerate(zip(tids, turns, roles)):
        if tid != last_tid:
            last_question, last_tid = (), tid
        own = rows_by_turn[(tid, turn)]
        previous.append(tuple(rows_by_turn.get((tid, turn - 1), ())))
        if role == "moderator":
            question.append(())
            if i == own[-1]:
                last_question = tuple(own)
        else:
            question.append(last_question)
    return {"question": question, "previous": previous}


def analyse(passages: pd.DataFrame, cb: Codebook, backend, settings: CodeSettings, *,
            cache_dir: str | Path | None = None, use_cache: bool = True,
            progress: Progress | None = None,
            session: EmbeddingSession | None = None) -> Analysis:
    """Embed eligible passages and the codebook, and gather keyword/semantic/polarity evidence."""
    def report(stage: str):
        return (lambda done, total, *_: progress(stage, done, total)) if progress else None

    mask = eligible_mask(passages, settings)
    # moderator questions are embedded too: they tell what the answers after them are about
    embedded = mask | (passages["role"].eq("moderator").to_numpy()
                       & ~passages["backchannel"].to_numpy(dtype=bool))
    texts = passages["text_norm"].tolist()
    embed_texts = [texts[i] for i in np.flatnonzero(embedded)]
    proto_texts = prototype_texts(cb)
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    session = session or EmbeddingSession()
    # fitted on the passages only, so a codebook edit does not change passage vectors
    fit_backend(backend, embed_texts or proto_texts, cache if use_cache else None, session)
    embedder_obj = CachedEmbedder(backend, cache if use_cache else None, session=session)
    vectors = np.zeros((len(passages), max(backend.dim, 1)), dtype=np.float32)
    if embed_texts:
        vectors[embedded] = embedder_obj.embed(embed_texts,
                                               progress=report("Embedding passages"))
    proto_vectors = embedder_obj.embed(proto_texts, progress=report("Embedding codebook"))
    protos = build_prototypes(cb, proto_vectors)
    evidence = gather_evidence(texts, vectors, cb, protos, context=context_rows(passages),
                               clause_memo=session.clauses,
                               classifier_memo=session.classifiers)
    return Analysis(passages=passages, mask=mask, vectors=vectors, prototypes=protos,
                    evidence=evidence, backend=backend, cache=embedder_obj)


def code(inputs: str | Path | Transcript | Iterable, codebook: str | Path | Codebook, *,
         embedder=None, settings: CodeSettings | None = None,
         cache_dir: str | Path | None = None, use_cache: bool = True,
         progress: Progress | None = None, reviewed=None,
         session: EmbeddingSession | None = None, skip_bad: bool = False,
         follow_symlinks: bool = False) -> CodingResult:
    """Code transcripts with a codebook.

    Args:
        inputs: files, folders, or :class:`Transcript` objects.
        codebook: a path or a loaded :class:`Codebook`.
        embedder: a back-end name (``"use+tfidf"``, ``"e5-small"``...) or object; defaults
            to ``settings.backend``.
        settings: run settings (moderator turns, clustering...).
        cache_dir: where vectors are cached (default: the user cache folder).
        use_cache: ``False`` embeds everything again and writes nothing to the cache.
        progress: optional callback ``(stage, done, total)``.
        reviewed: a researcher's decisions: files or folders in any format of
            :func:`~fgd_toolkit.review.read_reviewed`, or a
            :class:`~fgd_toolkit.review.ReviewedCodings`. Reviewed turns keep the researcher's
            codes (``source=human``) and the tagger is refitted on them for the rest.
        session: an :class:`~fgd_toolkit.embed.EmbeddingSession` to keep vectors and fits
            in memory between calls (a notebook's re-run after a codebook edit); without
            one, nothing is shared with any other call.
        skip_bad, follow_symlinks: passed to :func:`~fgd_toolkit.read_transcripts` when
            ``inputs`` are paths; what was left out is listed in
            ``manifest["skipped_inputs"]``.

    Returns:
        A :class:`CodingResult` with passages, codings, clusters and matrices.
    """
    settings = settings or CodeSettings()
    backend = get_embedder(embedder or settings.backend)
    # the settings are the single source of truth: they name the back-end actually used
    settings = replace(settings, backend=embedder if isinstance(embedder, str) else
                       settings.backend if embedder is None else backend.name)
    timings: dict[str, float] = {}
    tick = time.perf_counter()

    def stage_done(name: str) -> None:
        nonlocal tick
        now = time.perf_counter()
        timings[name] = round(now - tick, 3)
        tick = now

    def report(stage: str):
        return (lambda done, total, *_: progress(stage, done, total)) if progress else None

    models = load_models(settings.model)   # a bad --model file fails before any work
    transcripts = _as_transcripts(inputs, skip_bad=skip_bad, follow_symlinks=follow_symlinks)
    cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    if use_cache:
        writable_cache_dir(cache)
    passages = to_passages(transcripts, settings.segment, progress=report("Segmenting"))
    review = read_reviews(reviewed, passages, cb, transcripts, settings)
    stage_done("segment")
    analysis = analyse(passages, cb, backend, settings, cache_dir=cache_dir,
                       use_cache=use_cache, progress=progress, session=session)
    stage_done("embed")
    backend, mask, evidence, protos = (analysis.backend, analysis.mask, analysis.evidence,
                                       analysis.prototypes)
    vectors, embedder_obj = analysis.vectors, analysis.cache
    calibration_key, tagger = models.for_backend(backend.model_id)
    tagger.set_params(max_codes=settings.max_codes_per_passage)
    tagging = report("Tagging")
    if tagging:
        tagging(0, 1)
    if review is not None and review.turns and settings.refit:
        tagger = tagger.adapt(evidence, mask, cb, reviewed_turns(review, passages, mask))
    scores = tagger.predict(evidence, mask, cb)
    run_id = make_run_id(transcripts, cb, backend.model_id, settings, review)
    coder = f"fgd-toolkit {__version__} ({backend.name})"
    candidates = candidates_table(passages["passage_id"].tolist(), cb, evidence, scores)
    codings = codings_table(passages["passage_id"].tolist(), cb, evidence, protos, scores,
                            coder, run_id)
    machine_codings = codings
    if review is not None:
        codings = apply_reviews(codings, passages, review, candidates=candidates,
                                coder_default=coder, run_id=run_id, codebook=cb,
                                settings=settings)
    if tagging:
        tagging(1, 1)
    stage_done("tag")

    clusters = pd.DataFrame()
    passages = passages.copy()
    if settings.cluster:
        clustering = report("Clustering")
        if clustering:
            clustering(0, 1)
        clusters, assignment, notes = cluster_passages(passages, vectors,
                                                       ineligible_reasons(passages, settings),
                                                       codings,
                                                       settings.clustering,
                                                       cache if use_cache else None)
        passages["cluster"] = assignment
        passages["cluster_note"] = notes
        if settings.cluster_reinforce:
            codings = reinforce_codings(codings, passages, clusters, scores, evidence, protos,
                                        cb, coder, run_id,
                                        skip=reviewed_rows(review, passages))
        if clustering:
            clustering(1, 1)
    stage_done("cluster")

    warnings = run_warnings(passages, codings, cb, mask, tagger, evidence)
    manifest = build_manifest(transcripts, cb, backend, settings, timings, run_id, embedder_obj,
                         calibration_key, tagger, passages, codings, mask)
    manifest["warnings"] = warnings
    manifest["skipped_inputs"] = [s.as_dict() for s in getattr(transcripts, "skipped", [])]
    if review is not None:
        manifest["reviewed"] = review_manifest(review, machine_codings, passages, tagger)
    return CodingResult(passages=passages, codings=codings, clusters=clusters, codebook=cb,
                        manifest=manifest, warnings=warnings, transcripts=transcripts,
                        candidates=candidates)




__all__ = ["code", "analyse", "CodingResult", "CodeSettings", "MATRIX_KINDS"]
