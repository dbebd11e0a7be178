"""One case's TF-IDF row, computed from a fitted vectorizer's vocabulary and idf: what
`vectorizer.transform([doc])` gives, without sklearn's per-call checks, which cost more than
the arithmetic when a single case is declared."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer


def tfidf_row(vectorizer: TfidfVectorizer, tokens: Iterable[str]) -> sparse.csr_matrix:
    """1 x V, for a vectorizer fitted with sublinear_tf and the default l2 norm and idf."""
    assert vectorizer.sublinear_tf and vectorizer.norm == "l2" and vectorizer.use_idf
    vocabulary = vectorizer.vocabulary_
    counts = Counter(vocabulary[token] for token in tokens if token in vocabulary)
    columns = np.fromiter(sorted(counts), dtype=np.int32, count=len(counts))
    values = np.array([counts[c] for c in columns], dtype=np.float64)
    values = (1.0 + np.log(values)) * vectorizer.idf_[columns]
    length = float(np.sqrt((values ** 2).sum()))
    if length > 0:
        values /= length
    return sparse.csr_matrix((values.astype(vectorizer.dtype), columns,
                              np.array([0, len(columns)])), shape=(1, len(vocabulary)))


def tfidf_rows(vectorizer: TfidfVectorizer, docs: Sequence[Iterable[str]]) -> sparse.csr_matrix:
    """len(docs) x V: `tfidf_row` of each tokenised document."""
    if not docs:
        return sparse.csr_matrix((0, len(vectorizer.vocabulary_)), dtype=vectorizer.dtype)
    return sparse.vstack([tfidf_row(vectorizer, tokens) for tokens in docs], format="csr")
