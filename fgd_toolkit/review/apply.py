"""Reviewed turns into the codings table: the human truth replaces the machine's codings of
every reviewed turn."""
from __future__ import annotations

import pandas as pd

from ..errors import ReviewedCodingsError
from ..models import CODING_COLUMNS, POLARITIES
from ..settings import CodeSettings, eligible_mask
from .decisions import ReviewedCodings


def _passage_for(code_id: str, polarity: str, turn_passages: list[str], eligible: set[str],
                 candidates: dict[tuple[str, str], tuple[float, float]], taken: set[str]) -> str:
    """The passage of a turn a human coding goes to: the one the coder found the code most
    present in (for a polarity, most present with that polarity; a passage already holding
    the code with the other polarity comes last), else the turn's first eligible passage."""
    def weight(pid: str) -> float:
        presence, p_enabler = candidates.get((pid, code_id), (0.0, 0.5))
        lean = {"enabler": p_enabler, "barrier": 1 - p_enabler}.get(polarity, 1.0)
        return presence * (0.5 + lean)

    scored = [(weight(pid), -k, pid) for k, pid in enumerate(turn_passages)
              if (pid, code_id) in candidates and pid not in taken]
    if scored:
        return max(scored)[2]
    fallback = [pid for pid in turn_passages if pid in eligible and pid not in taken] or \
        [pid for pid in turn_passages if pid in eligible] or turn_passages
    return fallback[0]


def human_codings(passages: pd.DataFrame, reviewed: ReviewedCodings, *,
                  candidates: pd.DataFrame | None, coder_default: str, run_id: str,
                  settings: CodeSettings | None = None) -> pd.DataFrame:
    """One coding per reviewed (turn, code, polarity), ``source="human"``, ``score=1.0``."""
    decisions = reviewed.decisions[reviewed.decisions["code_id"] != ""]
    if not len(decisions):
        return pd.DataFrame(columns=CODING_COLUMNS)
    mask = eligible_mask(passages, settings or CodeSettings())
    eligible = set(passages.loc[mask, "passage_id"])
    by_turn: dict[tuple[str, int], list[str]] = {}
    for pid, tid, turn in zip(passages["passage_id"], passages["transcript_id"],
                              passages["turn"]):
        by_turn.setdefault((str(tid), int(turn)), []).append(str(pid))
    cands: dict[tuple[str, str], tuple[float, float]] = {}
    if candidates is not None and len(candidates):
        for pid, code_id, presence, p_enabler in zip(candidates["passage_id"],
                                                     candidates["code_id"],
                                                     candidates["presence"].astype(float),
                                                     candidates["p_enabler"].astype(float)):
            cands[(str(pid), code_id)] = (presence, p_enabler)
    rows = []
    placed: dict[tuple[str, int, str], set[str]] = {}
    for (tid, turn, code_id, polarity), group in decisions.groupby(
            ["transcript_id", "turn", "code_id", "polarity"], sort=False):
        key = (str(tid), int(turn))
        if key not in by_turn:
            first = group.iloc[0]
            raise ReviewedCodingsError(f"transcript {tid} has no turn {turn} in these results.",
                                       path=first["file"], line=int(first["row"]) or None,
                                       fix="code the reviewed files against the results they "
                                           "were made for.")
        named = [p for p in group["passage_id"] if p and p in by_turn[key]]
        taken = placed.setdefault((*key, code_id), set())
        pid = named[0] if named else _passage_for(code_id, polarity, by_turn[key], eligible,
                                                  cands, taken)
        taken.add(pid)
        coders = list(dict.fromkeys(c or coder_default for c in group["coder"]))
        notes = list(dict.fromkeys(n for n in group["note"] if n))
        evidence = "reviewed by " + ", ".join(coders) + (": " + "; ".join(notes) if notes
                                                         else "")
        rows.append({"passage_id": pid, "code_id": code_id, "polarity": polarity, "score": 1.0,
                     "source": "human", "evidence": evidence, "coder": ", ".join(coders),
                     "run_id": run_id})
    return pd.DataFrame(rows, columns=CODING_COLUMNS)


def apply_reviews(codings: pd.DataFrame, passages: pd.DataFrame, reviewed: ReviewedCodings, *,
                  candidates: pd.DataFrame | None, coder_default: str, run_id: str,
                  codebook=None, settings: CodeSettings | None = None) -> pd.DataFrame:
    """The codings table (:data:`~fgd_toolkit.models.CODING_COLUMNS`) with every reviewed
    turn's machine codings replaced by the researcher's truth.

    Each reviewed (turn, code, polarity) becomes one coding with ``source="human"``,
    ``score=1.0``, ``evidence="reviewed by <coder>[: <note>]"`` and the decision's coder
    (``coder_default`` when it names none), on the decision's passage when known, else on the
    turn's passage where the coder found the code most present (``candidates``), else on the
    turn's first eligible passage. When a turn has a code both as enabler and as barrier, the
    two go to different passages where the turn has more than one. A reviewed turn with no
    code keeps no coding. Rows are ordered by passage, then codebook order (``codebook``;
    without it, the order codes first appear), then polarity.
    """
    reviewed_turns = reviewed.turns
    lifted = codings.merge(passages[["passage_id", "transcript_id", "turn"]], on="passage_id",
                           how="left")
    in_review = [(str(t), int(u)) in reviewed_turns if t == t else False
                 for t, u in zip(lifted["transcript_id"], lifted["turn"].fillna(0))]
    kept = codings[~pd.Series(in_review, index=codings.index)]
    human = human_codings(passages, reviewed, candidates=candidates,
                          coder_default=coder_default, run_id=run_id, settings=settings)
    frames = [f for f in (kept[CODING_COLUMNS], human) if len(f)]
    if not frames:
        return pd.DataFrame(columns=CODING_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    order_ids = list(codebook.ids) if codebook is not None else \
        list(dict.fromkeys(list(codings["code_id"]) + list(human["code_id"])))
    order = {cid: k for k, cid in enumerate(order_ids)}
    pol = {p: k for k, p in enumerate(POLARITIES)}
    out = out.assign(_o=out["code_id"].map(order).fillna(len(order)),
                     _p=out["polarity"].map(pol).fillna(len(pol)))
    out = out.sort_values(["passage_id", "_o", "_p"], kind="stable")
    return out.drop(columns=["_o", "_p"]).reset_index(drop=True)
