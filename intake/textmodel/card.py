"""The model card written beside the model file: sources with counts, features, scores, version."""

from __future__ import annotations

from typing import Any

_MEASURES = {
    "category": "category accuracy, labelled rows (corpus + cases)",
    "accusation_recall": "accusations predicted as accusation, labelled rows",
    "labelled_sector": "sector accuracy, labelled appeals with a department",
    "teddy_sector": "sector (department) accuracy, real messages",
    "teddy_not_accusation": "real messages not taken as accusation",
    "teddy_appeal_or_suggestion": "real messages taken as appeal or suggestion",
}


def _table(scores: dict[str, Any]) -> list[str]:
    n = scores.get("n", {})
    lines = ["| measure | score | rows |", "|---|---|---|"]
    for key, label in _MEASURES.items():
        if key in scores:
            lines.append(f"| {label} | {scores[key]:.3f} | {n.get(key, '')} |")
    return lines


def _sources(meta: dict[str, Any]) -> list[str]:
    src = meta["sources"]
    lines = ["| source | rows | held back (1 in 5, by text hash) |", "|---|---|---|"]
    for info in src.values():
        lines.append(f"| {info['label']} | {info['rows']} | {info['heldback']} |")
    return lines


def _class_weight(params: dict[str, Any]) -> list[str]:
    if params.get("sector_class_weight") != "balanced":
        return []
    return [
        "  - its classes weighted by the inverse of their rows: the real messages' seven topics are most",
        "    of the sector rows, and unweighted the head leaned away from the rare sectors (agriculture,",
        "    civil affairs, natural resources, public security) that labelled appeals need",
    ]


def render(meta: dict[str, Any]) -> str:
    """The card's Markdown."""
    p = meta["params"]
    out = [
        "# Model card: petition-intake text model",
        "",
        f"- version: `{meta['version']}` (the loaded model adds `+<sha256 of the file, 8 hex>`)",
        f"- trained: {meta['trained_at']} by `{meta['command']}`",
        "  (fixed seeds: the same rows give the same file)",
        f"- format: `{meta['format']}`; file `intake/textmodel/data/model.npz`",
        "",
        "## Data",
        "",
        *_sources(meta),
        "",
        "The real messages are the dev split of the 2020 Teddy Cup 'smart government' contest",
        "(`../shared/data/teddy2020-dev.csv`, public repository MarsW20/Teddy-Cup-Data-Mining-Competition);",
        "their texts are not in this repository. They train the category head as appeals with weight",
        f"{p['teddy_weight']} and the sector head with the department their topic names.",
        "`corpus/heldback/` is never read.",
        "",
        "## Features and model",
        "",
        f"- character {p['ngram'][0]}-{p['ngram'][1]}-grams of the normalised text (intake.normalise), "
        f"TF-IDF (sublinear tf {p['sublinear_tf']}, min_df {p['min_df']}, "
        f"at most {p['max_features']} features)",
        f"- category: multinomial logistic regression, C={p['c_category']} "
        f"(classes: {', '.join(meta['categories'])})",
        f"- sector: multinomial logistic regression, C={p['c_sector']} "
        f"(classes: {', '.join(meta['sectors'])})",
        *_class_weight(p),
        "- weights rounded to float32; inference in numpy (no scikit-learn at run time)",
        f"- calibration of the decision's confidence: {meta.get('calibration_note', 'none (identity)')}",
        "",
        f"## Cross-validated scores ({meta['folds']} folds over the rows not held back, "
        "labelled rows grouped by inspection)",
        "",
        *_table(meta["scores"]["cv"]),
        "",
        "## Held-back scores (a model trained on the other four fifths only)",
        "",
        *_table(meta["scores"]["heldback"]),
        "",
        "The shipped model is then refit on every row, held-back ones included, so these figures",
        "describe a model trained on slightly less data than the one shipped.",
        "",
    ]
    extra = meta.get("decision_scores")
    if extra:
        out += [
            "## Decisions (out of fold by inspection, full decide())",
            "",
            *[f"- {line}" for line in extra],
            "",
        ]
    return "\n".join(out)
