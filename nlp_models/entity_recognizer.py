"""The learnt part of entity extraction: PERSON, ORG, PRODUCT and CAMPAIGN.

A spaCy `ner` component on `spacy.blank("en")`, trained from the inline marks of our intent
examples and the filled templates of `entities.yml`. A small CNN (width 64, depth 2) keeps one
message well under a millisecond; names the CRM already knows are added at parse time by
`KnownNames`, a phrase matcher, so an existing customer is found even if the model never
saw the name.

The weights kept are the moving average `spacy train` also offers (`use_averages`). Why this
size and these settings: docs/decisions/0009.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.training import Example as SpacyExample
from spacy.util import filter_spans, minibatch
from thinc.api import Adam, Model

from nlp_models.labels import LEARNED_LABELS, EntityLabel
from nlp_models.training_data import Example

NER_CONFIG = {
    "model": {
        "@architectures": "spacy.TransitionBasedParser.v2",
        "state_type": "ner",
        "extra_state_tokens": False,
        "hidden_width": 64,
        "maxout_pieces": 2,
        "use_upper": False,
        "tok2vec": {
            "@architectures": "spacy.HashEmbedCNN.v2",
            "pretrained_vectors": None,
            "width": 64,
            "depth": 2,
            "embed_size": 4000,
            "window_size": 1,
            "maxout_pieces": 3,
            "subword_features": True,
        },
    }
}


def blank_pipeline() -> Language:
    return spacy.blank("en")


def train_entity_recognizer(
    examples: Sequence[Example], epochs: int = 8, seed: int = 7, log: bool = False
) -> Language:
    """Train the recogniser; spans that don't fall on token boundaries are skipped."""
    spacy.util.fix_random_seed(seed)
    nlp = blank_pipeline()
    ner = nlp.add_pipe("ner", config=NER_CONFIG)
    for label in LEARNED_LABELS:
        ner.add_label(label.value)  # type: ignore[attr-defined]
    data: list[SpacyExample] = []
    for ex in examples:
        doc = nlp.make_doc(ex.text)
        spans = [doc.char_span(s, e, label=str(lab)) for s, e, lab in ex.spans]
        ents = filter_spans([sp for sp in spans if sp is not None])
        data.append(SpacyExample.from_dict(doc, {"entities": [(sp.start_char, sp.end_char, sp.label_) for sp in ents]}))
    # spaCy's default optimiser (Adam, L2 0.01, gradient clip 1.0) with a moving average of
    # the weights; the averaged weights are the ones kept (docs/decisions/0009).
    optimizer = Adam(learn_rate=0.001, L2=0.01, grad_clip=1.0, use_averages=True)
    nlp.initialize(lambda: data, sgd=optimizer)
    rng = random.Random(seed)
    for epoch in range(epochs):
        rng.shuffle(data)
        losses: dict[str, float] = {}
        for batch in minibatch(data, size=32):
            nlp.update(batch, sgd=optimizer, drop=0.2, losses=losses)
        if log:
            print(f"  ner epoch {epoch + 1}/{epochs} loss {losses.get('ner', 0.0):.1f}")
    _keep_averages(ner.model, optimizer.averages or {})  # type: ignore[attr-defined]
    return nlp


def _keep_averages(model: Model, averages: Mapping[tuple[int, str], object]) -> None:
    """Set every weight to its moving average (what `Language.use_params` does for a while)."""
    for node in model.walk():
        for name in node.param_names:
            if (node.id, name) in averages:
                node.set_param(name, averages[node.id, name].copy())  # type: ignore[attr-defined]


def load_entity_recognizer(path: Path) -> Language:
    return spacy.load(path)


class KnownNames:
    """Names from the CRM (customers, companies, products, campaigns) found case-insensitively.

    Build once per change of the CRM's names and hand it to every parse; building is the
    costly part, matching one message is not.
    """

    def __init__(self, nlp: Language, names: Mapping[EntityLabel | str, Iterable[str]]) -> None:
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.size = 0
        for label, values in names.items():
            key = EntityLabel(label).value
            patterns = [nlp.make_doc(v) for v in {str(v).strip() for v in values} if v]
            if patterns:
                self.matcher.add(key, patterns)
                self.size += len(patterns)

    def spans(self, doc: Doc) -> list[tuple[int, int, EntityLabel]]:
        labelled = [Span(doc, start, end, label=match_id) for match_id, start, end in self.matcher(doc)]
        return [(sp.start_char, sp.end_char, EntityLabel(sp.label_)) for sp in filter_spans(labelled)]
