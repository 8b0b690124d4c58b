"""The spaCy pipeline the toolkit used for sentence boundaries before the rules (a reference).

:mod:`fgd_toolkit.sentences` reproduces its boundaries by rule;
``benchmarks/sentences_check.py`` compares the two. spaCy's ``blank("id")`` tokenizer and
``sentencizer``, the toolkit's abbreviations as special cases, and the fixes for
sentence-final ``dll.``/``dsb.`` and ellipses followed by a capital.
"""
from __future__ import annotations

from functools import lru_cache

from fgd_toolkit import lang
from fgd_toolkit.normalize import mask_markers
from fgd_toolkit.sentences import trim_span


@lru_cache(maxsize=1)
def spacy_pipeline():
    """The reference pipeline (built once per process)."""
    import spacy
    from spacy.attrs import ORTH
    from spacy.language import Language

    nlp = spacy.blank("id")
    inner, final = lang.abbreviations()
    for abbr in inner | final:
        for variant in {abbr, abbr.lower(), abbr[:1].upper() + abbr[1:]}:
            nlp.tokenizer.add_special_case(variant, [{ORTH: variant}])
    nlp.add_pipe("sentencizer")
    final_lower = {a.lower() for a in final}

    if not Language.has_factory("fgd_sentence_fixes"):
        @Language.component("fgd_sentence_fixes")
        def _fixes(doc):  # noqa: ANN001 - spaCy component signature
            for i, token in enumerate(doc[:-1]):
                nxt = doc[i + 1]
                ends = token.text.lower() in final_lower or set(token.text) <= {".", "…"} \
                    and ("…" in token.text or len(token.text) >= 3)
                if ends and nxt.text[:1].isupper():
                    nxt.is_sent_start = True
            return doc

    nlp.add_pipe("fgd_sentence_fixes", after="sentencizer")
    nlp.max_length = 10**8
    return nlp


def spacy_sentence_spans(texts, masked: bool = False) -> list[list[tuple[int, int]]]:
    """Per text, the whitespace-trimmed sentence spans the reference pipeline gives."""
    nlp = spacy_pipeline()
    out = []
    texts = list(texts) if masked else [mask_markers(t) for t in texts]
    for text, doc in zip(texts, nlp.pipe(texts, batch_size=256)):
        trimmed = (trim_span(text, sent.start_char, sent.end_char) for sent in doc.sents)
        out.append([span for span in trimmed if span])
    return out
