"""The expertise index: what the history says about each expert, as matrices, with every
past case weighted by how recent it is (expertise and presence drift: people who stopped
resolving fade).

All time weights are relative to the newest case in the index (`t_ref`): a case `d` days
older weighs `0.5 ** (d / half_life)`. Half-lives are in days (a month, a quarter, a year),
never in rows, so they mean the same on a small team's history and a large project's.
Features are shares, log-likelihoods and similarities, so the ranking for a query does not
depend on when it is asked or on the size of the history.

Besides what a case is about, the index keeps how its title is written: the main resolver
often wrote the ticket, and people keep a style (`Add support for …` or `Support …`, backticks,
a trailing period, CamelCase names). And a title classifier, fit on the last few years, learns
which words tell one expert from another rather than which words each one uses."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import normalize

from skills_index.history import HistoryRecord
from skills_index.text import case_words, with_pairs
from skills_index.text import normalize as normalize_text
from skills_index.tfidf import tfidf_row, tfidf_rows

DAY = 86400.0
HALF_LIVES = (30.0, 90.0, 365.0)   # days: a month, a quarter, a year
NEIGHBOURS = 100                   # most similar past cases that vote
HELPER_WEIGHT = 0.5                # a resolver who is not the main one counts half
NB_SMOOTHING = 0.1                 # additive smoothing of the per-expert word model
LOG_FLOOR = 1e-4
HOUR_SMOOTHING = 4.0               # pseudo-cases per hour of the day
CLASSIFIER_YEARS = 3.0             # the title classifier learns from the last three years
CLASSIFIER_MAX_CASES = 20_000      # ... at most this many of the newest cases (training time)
CLASSIFIER_MIN_DF = 3              # words in fewer cases than this are not learned
STYLE_CLASSIFIER_TOKENS = 7000     # the style classifier learns the most frequent tokens
CLASSIFIER_EPOCHS = 5
CLASSIFIER_ALPHA = 1e-4            # L2 regularisation of the hinge loss

_STYLE_PUNCTUATION = frozenset("`()[]\"':.,;/_-<>{}=*#!?")
_SHAPES = str.maketrans({**{chr(c): "A" for c in range(65, 91)},
                         **{chr(c): "a" for c in range(97, 123)},
                         **{str(d): "0" for d in range(10)}})
_SHAPE_RUNS = re.compile(r"([Aa0HKh])\1+")
# Scripts without spaces, in word shapes: kanji `H`, katakana `K`, hiragana `h`
# (`Aaリポジトリ統合` → `AaKH`): how a Japanese title mixes them is a style too.
_SCRIPTS = ((re.compile("[\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"), "H"),
            (re.compile("[\u30a0-\u30ff\u31f0-\u31ff]"), "K"),
            (re.compile("[\u3040-\u309f]"), "h"))
_UNSPACED = re.compile("[\u3005\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CHARACTERS = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4),
                              lowercase=False).build_analyzer()

# Feature columns, in order. Names say what the blend sees for one (case, expert) pair.
FEATURES = (
    "activity_30d", "activity_90d", "activity_1y",        # log share of decayed resolutions
    "activity_all",                                        # log share of all resolutions
    "days_since_last",                                     # log(1 + days since last one)
    "similar_90d", "similar_1y", "similar_all",            # log share of neighbour votes
    "similar_best", "similar_best_1y",                     # best similarity of their cases
    "service_90d", "service_1y",                           # log share within the service
    "tags_90d", "tags_1y",                                 # log share within the tag path
    "words_1y", "words_all",                               # per-expert word model, log-lik.
    "profile_1y",                                          # cosine to their text profile
    "style_1y",                                            # title style model, log-lik.
    "classifier",                                          # title classifier's margin
    "style_classifier",                                    # ... on how the title is written
    "hour_1y",                                             # resolves at this hour of day
)
_COL = {name: n for n, name in enumerate(FEATURES)}
_STYLE_COLUMNS = [_COL["style_1y"], _COL["classifier"], _COL["style_classifier"]]


def case_tokens(title: str, description: str, service: str, tags: Sequence[str]) -> list[str]:
    """Words and word pairs of the text, plus `svc:` and `tag:` tokens (tag path prefixes)."""
    return with_pairs(case_words(title, description)) + _area_tokens(service, tags)


def _area_tokens(service: str, tags: Sequence[str]) -> list[str]:
    """`svc:` tokens of the service keys and `tag:` tokens of the tag path prefixes."""
    return ([f"svc:{key}" for key in service_keys(service)]
            + [f"tag:{p}" for p in tag_prefixes(tags)])


def style_tokens(title: str) -> list[str]:
    """How a title is written rather than what it is about, case kept: its first word and
    first two words, its last word and last character, its length, the punctuation it uses,
    and the shapes of its words that are not plain (`Aa0`, `a_a`, `` `a()` ``)."""
    text = title.strip()
    words = text.split()
    size = len(text) // 10 if _UNSPACED.search(text) else len(words) // 3
    tokens = [f"length:{min(size, 8)}"]
    if words:
        tokens += [f"first:{words[0]}", f"last:{words[-1]}", f"end:{text[-1]}"]
        if len(words) > 1:
            tokens.append(f"first:{words[0]} {words[1]}")
        if text[0].islower():
            tokens.append("lowercase start")
    tokens += [f"uses:{c}" for c in sorted(set(text) & _STYLE_PUNCTUATION)]
    shapes = _SHAPE_RUNS.sub(r"\1", _script_shapes(text.translate(_SHAPES))).split()
    tokens += [f"shape:{shape}" for shape in shapes if shape not in ("a", "Aa")]
    return tokens


def _script_shapes(text: str) -> str:
    for pattern, shape in _SCRIPTS:
        text = pattern.sub(shape, text)
    return text


def spelling_tokens(title: str, styles: list[str]) -> list[str]:
    """The title's style tokens and its character 2–4-grams within words, case kept
    (`Ar`, `rrow`, `()`): what the style classifier reads."""
    return styles + [f"#{chars}" for chars in _CHARACTERS(title)]


def classifier_tokens(title: str, description: str, service: str, tags: Sequence[str],
                      styles: list[str] | None = None) -> list[str]:
    """Single words, `svc:` and `tag:` tokens and the title's style tokens (`styles`, when
    already known): what the title classifier reads. No word pairs: its weights are dense,
    one column per expert."""
    styles = style_tokens(title) if styles is None else styles
    return (case_words(title, description) + _area_tokens(service, tags)
            + [f"~{token}" for token in styles])


def tag_prefixes(tags: Sequence[str]) -> list[str]:
    """`("cpp", "arrow", "compute")` → `cpp`, `cpp/arrow`, `cpp/arrow/compute`."""
    return ["/".join(tags[: n + 1]) for n in range(len(tags))]


def service_keys(service: str) -> list[str]:
    """A service field may name several (`C++|Parquet`); each part is a key."""
    return [p.strip() for p in re.split(r"[|,]", normalize_text(service)) if p.strip()]


def _identity(tokens: list[str]) -> list[str]:
    return tokens


CaseText = tuple[str, str, str, Sequence[str]]   # title, description, service, tags


@dataclass
class TitleClassifier:
    """A linear one-vs-rest classifier (hinge loss, SGD) from a case's tokens (its words and
    title style, or how its title is written: style and character n-grams) to its main
    resolver, fit on the last CLASSIFIER_YEARS of the history with a one-year half-life.
    Its margins rank experts by the tokens that tell them apart."""
    vectorizer: TfidfVectorizer
    weights: np.ndarray      # V x C (float32)
    intercepts: np.ndarray   # C
    experts: np.ndarray      # C, the index's expert position of each class

    @classmethod
    def fit(cls, records: Sequence[HistoryRecord], tokens_of: Callable[[int], list[str]],
            times: np.ndarray, expert_ids: dict[str, int], *, min_df: int = CLASSIFIER_MIN_DF,
            max_tokens: int | None = None) -> TitleClassifier | None:
        """`tokens_of(n)`: the tokens of records[n]. None when the recent history has fewer
        than two main resolvers or no token in min_df of its cases."""
        if not len(records):
            return None
        t_ref = float(times.max())
        recent = np.nonzero(times >= t_ref - CLASSIFIER_YEARS * 365 * DAY)[0]
        recent = recent[-CLASSIFIER_MAX_CASES:]
        labels = [records[int(n)].resolvers[0] for n in recent]
        if len(set(labels)) < 2:
            return None
        vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, dtype=np.float32,
                                     min_df=min(min_df, len(recent)), max_features=max_tokens)
        try:
            matrix = vectorizer.fit_transform([tokens_of(int(n)) for n in recent])
        except ValueError:  # no word in enough cases
            return None
        learner = SGDClassifier(loss="hinge", alpha=CLASSIFIER_ALPHA, max_iter=CLASSIFIER_EPOCHS,
                                tol=None, random_state=0, n_jobs=2)
        learner.fit(matrix, labels, sample_weight=_decay((t_ref - times[recent]) / DAY, 365.0))
        weights, intercepts = learner.coef_, learner.intercept_
        if len(learner.classes_) == 2:  # one margin, for the second class
            weights = np.vstack([-weights, weights])
            intercepts = np.concatenate([-intercepts, intercepts])
        return cls(vectorizer=vectorizer, weights=np.ascontiguousarray(weights.T, np.float32),
                   intercepts=intercepts.astype(np.float32),
                   experts=np.array([expert_ids[e] for e in learner.classes_]))

    def margins(self, docs: Sequence[list[str]], n_experts: int) -> np.ndarray:
        """Q x E margins of the cases' tokens; experts the classifier does not know get one
        below the case's lowest."""
        queries = tfidf_rows(self.vectorizer, docs)
        scores = np.asarray(queries @ self.weights) + self.intercepts
        out = np.repeat(scores.min(axis=1, keepdims=True) - 1.0, n_experts, axis=1)
        out[:, self.experts] = scores
        return out


def _decay(ages_days: np.ndarray, half_life: float) -> np.ndarray:
    return np.power(0.5, ages_days / half_life)


Groups = dict[str, tuple[np.ndarray, np.ndarray]]   # key → (experts, E x H decayed weights)


@dataclass
class ExpertIndex:
    experts: list[str]
    expert_ids: dict[str, int]
    t_ref: float
    vectorizer: TfidfVectorizer
    cases_by_term: sparse.csc_matrix     # N x V, rows L2-normalised
    resolved_by: sparse.csr_matrix       # N x E, main resolver 1, helpers HELPER_WEIGHT
    case_weights: np.ndarray             # N x H, decay per half-life (float32)
    activity: np.ndarray                 # E x H decayed resolutions
    last_seen: np.ndarray                # E, seconds
    activity_all: np.ndarray             # E, resolutions (helpers count HELPER_WEIGHT)
    word_loglik: sparse.csr_matrix       # 2E x V, log(1 + count / smoothing): 1y decay, then
                                         # all time
    word_norm: np.ndarray                # 2E, log(total + smoothing * V)
    profiles: sparse.csr_matrix          # E x V, L2-normalised, 1y decay
    style_vectorizer: TfidfVectorizer    # title style tokens
    style_loglik: sparse.csr_matrix      # E x S, log(1 + count / smoothing), 1y decay, main
                                         # resolver only (who wrote the title)
    style_norm: np.ndarray               # E, log(total + smoothing * S)
    classifier: TitleClassifier | None        # words, svc/tag and style tokens
    style_classifier: TitleClassifier | None  # style tokens and character n-grams
    hour_loglik: np.ndarray              # E x 24, log of their share at each UTC hour vs. 1/24
    services: Groups
    tags: Groups
    case_times: np.ndarray               # N, seconds
    case_services: list[str]
    case_tags: list[str]

    @property
    def activity_long(self) -> np.ndarray:
        return self.activity[:, HALF_LIVES.index(365.0)]

    @classmethod
    def build(cls, records: Sequence[HistoryRecord]) -> ExpertIndex:
        records = sorted(records, key=lambda r: (r.created_at, r.id))
        experts = sorted({p for r in records for p in r.resolvers})
        expert_ids = {e: i for i, e in enumerate(experts)}
        times = np.array([r.created_at.timestamp() for r in records], dtype=float)
        t_ref = float(times.max()) if len(times) else 0.0
        ages = (t_ref - times) / DAY
        case_weights = np.stack([_decay(ages, h) for h in HALF_LIVES], axis=1)

        vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=2,
                                     dtype=np.float32)
        docs = [case_tokens(r.title, r.description, r.service, r.tags) for r in records]
        matrix = _fit_rows(vectorizer, docs)

        rows, cols, vals = [], [], []
        for n, record in enumerate(records):
            for rank, person in enumerate(record.resolvers):
                rows.append(n)
                cols.append(expert_ids[person])
                vals.append(1.0 if rank == 0 else HELPER_WEIGHT)
        resolved_by = sparse.csr_matrix((vals, (rows, cols)),
                                        shape=(len(records), len(experts)))
        activity = np.asarray(resolved_by.T @ case_weights)
        last_seen = np.zeros(len(experts))
        if rows:
            np.maximum.at(last_seen, np.array(cols), times[np.array(rows)])

        year = case_weights[:, HALF_LIVES.index(365.0)]
        weighted = (sparse.diags(year) @ matrix).tocsr()
        by_expert = (resolved_by.T @ weighted).tocsr()
        profiles = normalize(by_expert).astype(np.float32).tocsr()
        # Per-expert word counts, decayed over a year and over all time, for a naive-Bayes
        # log-likelihood of the query's words (recent specialty vs. lifelong knowledge).
        counts = sparse.vstack([by_expert, (resolved_by.T @ matrix).tocsr()]).tocsr()
        word_loglik, word_norm = _naive_bayes(counts)
        # Title style: only the main resolver wrote the title.
        main = resolved_by.multiply(resolved_by >= 1.0).tocsr()
        style_vectorizer = TfidfVectorizer(analyzer=_identity, lowercase=False,
                                           sublinear_tf=True, min_df=2, dtype=np.float32)
        styles = [style_tokens(r.title) for r in records]
        style_loglik, style_norm = _naive_bayes(
            (main.T @ sparse.diags(year) @ _fit_rows(style_vectorizer, styles)).tocsr())

        return cls(
            experts=experts, expert_ids=expert_ids, t_ref=t_ref, vectorizer=vectorizer,
            cases_by_term=matrix.tocsc(), resolved_by=resolved_by,
            case_weights=case_weights.astype(np.float32), activity=activity,
            last_seen=last_seen, word_loglik=word_loglik, word_norm=word_norm,
            activity_all=np.asarray(resolved_by.sum(axis=0)).ravel(),
            profiles=profiles, style_vectorizer=style_vectorizer, style_loglik=style_loglik,
            style_norm=style_norm,
            classifier=TitleClassifier.fit(
                records, lambda n: classifier_tokens(records[n].title, records[n].description,
                                                     records[n].service, records[n].tags,
                                                     styles[n]), times, expert_ids),
            style_classifier=TitleClassifier.fit(
                records, lambda n: spelling_tokens(records[n].title, styles[n]), times,
                expert_ids, min_df=2, max_tokens=STYLE_CLASSIFIER_TOKENS),
            services=_grouped(records, resolved_by, case_weights,
                              lambda r: service_keys(r.service)),
            tags=_grouped(records, resolved_by, case_weights, lambda r: tag_prefixes(r.tags)),
            hour_loglik=_hours(times, resolved_by, year),
            case_times=times, case_services=[r.service for r in records],
            case_tags=["/".join(r.tags) for r in records])

    # -- per query -------------------------------------------------------------------------
    def vector(self, title: str, description: str, service: str, tags: Sequence[str]
               ) -> sparse.csr_matrix:
        """The case as the index's TF-IDF row (1 x V, L2-normalised)."""
        return tfidf_row(self.vectorizer, case_tokens(title, description, service, tags))

    def neighbours(self, query: sparse.csr_matrix, k: int = NEIGHBOURS
                   ) -> tuple[np.ndarray, np.ndarray]:
        """Indices and cosine similarities of the k most similar past cases."""
        terms, values = query.indices, query.data
        if len(terms) == 0 or self.cases_by_term.shape[0] == 0:
            return np.array([], dtype=int), np.array([])
        sims = np.asarray(self.cases_by_term[:, terms] @ values).ravel()
        k = min(k, len(sims))
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[sims[top] > 0]
        order = np.argsort(-sims[top], kind="stable")
        return top[order], sims[top[order]]

    def features(self, title: str, description: str, service: str, tags: Sequence[str],
                 style: np.ndarray | None = None, at: float | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """E x F feature matrix for every expert, plus the neighbours used (for reasons).
        `style`: the case's row of `style_features`, when computed for many cases at once;
        `at`: when the case came (seconds; None: no hour-of-day feature)."""
        n_experts = len(self.experts)
        query = self.vector(title, description, service, tags)
        hood, sims = self.neighbours(query)
        out = np.full((n_experts, len(FEATURES)), np.log(LOG_FLOOR))
        totals = np.maximum(self.activity.sum(axis=0), 1e-12)
        out[:, 0:3] = _log(self.activity / totals)
        out[:, _COL["activity_all"]] = _log(self.activity_all
                                            / max(self.activity_all.sum(), 1e-12))
        out[:, _COL["days_since_last"]] = np.log1p((self.t_ref - self.last_seen) / DAY)
        out[:, _COL["similar_best"]] = 0.0
        out[:, _COL["similar_best_1y"]] = 0.0
        if len(hood):
            votes = self.resolved_by[hood]
            strength = sims ** 2
            decays = self.case_weights[hood]
            for column, weights in (("similar_90d", strength * decays[:, 1]),
                                    ("similar_1y", strength * decays[:, 2]),
                                    ("similar_all", strength)):
                total = weights.sum()
                if total > 0:
                    out[:, _COL[column]] = _log(np.asarray(votes.T @ weights).ravel() / total)
            out[:, _COL["similar_best"]] = votes.multiply(sims[:, None]).max(axis=0).toarray()
            out[:, _COL["similar_best_1y"]] = votes.multiply(
                (sims * decays[:, 2])[:, None]).max(axis=0).toarray()
        service_share = self._share(self.services, service_keys(service), n_experts)
        tag_share = self._share(self.tags, tag_prefixes(tags), n_experts, by_depth=True)
        out[:, _COL["service_90d"]] = _log(service_share[:, 1])
        out[:, _COL["service_1y"]] = _log(service_share[:, 2])
        out[:, _COL["tags_90d"]] = _log(tag_share[:, 1])
        out[:, _COL["tags_1y"]] = _log(tag_share[:, 2])
        words = _mean_loglik(self.word_loglik, self.word_norm, query)[0]
        out[:, _COL["words_1y"]] = words[:n_experts]
        out[:, _COL["words_all"]] = words[n_experts:]
        out[:, _COL["profile_1y"]] = np.asarray((self.profiles @ query.T).todense()).ravel()
        if style is None:
            style = self.style_features([(title, description, service, tags)])[0]
        out[:, _STYLE_COLUMNS] = style
        out[:, _COL["hour_1y"]] = (self.hour_loglik[:, int(at % DAY // 3600)]
                                   if at is not None else 0.0)
        return out, hood, sims

    def style_features(self, cases: Sequence[CaseText]) -> np.ndarray:
        """Q x E x 3: how each case's title is written compared with each expert's titles
        (style model log-likelihood), the title classifier's margin, and the style
        classifier's."""
        styles = [style_tokens(title) for title, *_ in cases]
        style = _mean_loglik(self.style_loglik, self.style_norm,
                             tfidf_rows(self.style_vectorizer, styles))
        words = [classifier_tokens(*case, tokens) for case, tokens in zip(cases, styles,
                                                                          strict=True)]
        spellings = [spelling_tokens(case[0], tokens) for case, tokens in zip(cases, styles,
                                                                             strict=True)]
        margins = [classifier.margins(docs, len(self.experts)) if classifier is not None
                   else np.zeros_like(style)
                   for classifier, docs in ((self.classifier, words),
                                            (self.style_classifier, spellings))]
        return np.stack([style, *margins], axis=2)

    @staticmethod
    def _share(groups: Groups, keys: list[str], n_experts: int, *, by_depth: bool = False
               ) -> np.ndarray:
        """E x H: each expert's share of the decayed resolutions in these groups (deeper
        tag prefixes count more: `cpp/arrow/compute` says more than `cpp`)."""
        share = np.zeros((n_experts, len(HALF_LIVES)))
        found = 0.0
        for depth, key in enumerate(keys, start=1):
            if key in groups:
                experts, weights = groups[key]
                totals = np.maximum(weights.sum(axis=0), 1e-12)
                factor = depth if by_depth else 1.0
                share[experts] += factor * weights / totals
                found += factor
        return share / found if found else share


def _log(values: np.ndarray) -> np.ndarray:
    return np.log(values + LOG_FLOOR)


def _naive_bayes(counts: sparse.csr_matrix) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Per-row smoothed log-likelihood terms of a count matrix: log(1 + count / smoothing),
    and each row's normaliser log(total + smoothing * V)."""
    loglik = counts.copy()
    loglik.data = np.log1p(loglik.data / NB_SMOOTHING).astype(np.float32)
    totals = np.asarray(counts.sum(axis=1)).ravel()
    return loglik, np.log(totals + NB_SMOOTHING * max(counts.shape[1], 1))


def _mean_loglik(loglik: sparse.csr_matrix, norm: np.ndarray, rows: sparse.csr_matrix
                 ) -> np.ndarray:
    """Q x R: each case's (`rows`, TF-IDF) log-likelihood under each model row of
    `_naive_bayes`, per unit of the case's weight."""
    lengths = np.asarray(rows.sum(axis=1))                         # Q x 1
    return (  # type: ignore[no-any-return]  # scipy.sparse has no stubs: its result is Any
        ((loglik @ rows.T).T.toarray() - lengths * norm) / np.maximum(lengths, 1e-6))


def _hours(times: np.ndarray, resolved_by: sparse.csr_matrix, weights: np.ndarray
           ) -> np.ndarray:
    """E x 24: how much more (or less) often than at random each expert resolved cases that
    came at each hour of the day (UTC; one-year decay, HOUR_SMOOTHING pseudo-cases per hour)
    — people work in their own time zones and hours."""
    hours = (times % DAY // 3600).astype(int)
    at_hour = sparse.csr_matrix((weights, (np.arange(len(times)), hours)),
                                shape=(len(times), 24))
    counts = np.asarray((resolved_by.T @ at_hour).todense()) + HOUR_SMOOTHING
    # numpy types arithmetic on arrays of unknown dtype as Any
    return np.log(counts / counts.sum(axis=1, keepdims=True) * 24)  # type: ignore[no-any-return]


def _fit_rows(vectorizer: TfidfVectorizer, docs: Sequence[str | list[str]]) -> sparse.csr_matrix:
    """L2-normalised TF-IDF rows, fitting the vectorizer; when no token is in min_df
    documents (a tiny history), it keeps every token (min_df 1)."""
    try:
        return normalize(vectorizer.fit_transform(docs)).astype(np.float32).tocsr()
    except ValueError:
        vectorizer.set_params(min_df=1)
        return normalize(vectorizer.fit_transform(docs)).astype(np.float32).tocsr()


def _grouped(records: Sequence[HistoryRecord], resolved_by: sparse.csr_matrix,
             weights: np.ndarray, keys_of: Callable[[HistoryRecord], list[str]]) -> Groups:
    """key → (expert indices, their decayed resolutions per half-life) for service or
    tag-prefix groups."""
    members: dict[str, list[int]] = {}
    for n, record in enumerate(records):
        for key in keys_of(record):
            members.setdefault(key, []).append(n)
    grouped = {}
    for key, rows in members.items():
        rows_array = np.array(rows)
        sums = np.asarray(resolved_by[rows_array].T @ weights[rows_array])
        nonzero = np.nonzero(sums[:, -1])[0]
        if len(nonzero):
            grouped[key] = (nonzero, sums[nonzero])
    return grouped


def age_text(seconds: float) -> str:
    days = seconds / DAY
    if days < 1:
        return "today"
    if days < 14:
        return f"{int(days)} day{'s' if int(days) != 1 else ''} ago"
    if days < 60:
        return f"{int(days // 7)} weeks ago"
    if days < 730:
        return f"{int(days // 30)} months ago"
    return f"{int(days // 365)} years ago"


def to_seconds(moment: datetime) -> float:
    return moment.timestamp()
