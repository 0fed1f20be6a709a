"""Readers of the public benchmarks, and the benchmark's recogniser for data sets with slots."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp_models.benchmark import BenchmarkPipeline
from nlp_models.public_data import Split, bio_spans, load_public_dataset


@pytest.mark.parametrize(
    ("text", "tags", "entities"),
    [
        ("play the album x", "O O B-album I-album", [("album x", "album")]),
        ("add step to me to the 50 clásicos playlist", "O B-entity_name I-entity_name I-entity_name O O B-playlist I-playlist O",
         [("step to me", "entity_name"), ("50 clásicos", "playlist")]),
        ("book for 2 in paris", "O O B-party O B-city", [("2", "party"), ("paris", "city")]),
        # an I- tag that does not continue its own label starts an entity (CoNLL)
        ("a b c", "I-x I-x B-y", [("a b", "x"), ("c", "y")]),
        ("a b", "B-x I-y", [("a", "x"), ("b", "y")]),
        ("a  b", "B-x I-x", [("a  b", "x")]),
        ("nothing here", "O O", []),
    ],
)
def test_bio_tags_become_character_spans(text: str, tags: str, entities: list[tuple[str, str]]) -> None:
    assert [(text[s:e], label) for s, e, label in bio_spans(text, tags)] == entities


def _write(root: Path, name: str, rows: dict[str, list[tuple[str, str, str]]]) -> None:
    for split, lines in rows.items():
        folder = root / name / split
        folder.mkdir(parents=True)
        (folder / "seq.in").write_text("".join(f"{t} \n" for t, _, _ in lines))
        (folder / "label").write_text("".join(f"{lab}\n" for _, _, lab in lines))
        if all(tags for _, tags, _ in lines):
            (folder / "seq.out").write_text("".join(f"{tags} \n" for _, tags, _ in lines))


def test_train_entities_are_read_where_the_data_set_marks_them(tmp_path: Path) -> None:
    rows = {
        "train": [("play abba", "O B-artist", "PlayMusic")],
        "valid": [("play sade", "O B-artist", "PlayMusic")],
        "test": [("play bjork", "O B-artist", "PlayMusic")],
    }
    _write(tmp_path, "snips", rows)
    split = load_public_dataset("snips", tmp_path)
    assert split.train == [("play abba", "PlayMusic")]
    assert split.train_spans == [((5, 9, "artist"),)]
    _write(tmp_path, "hwu64", {k: [(t, "", lab) for t, _, lab in v] for k, v in rows.items()})
    assert load_public_dataset("hwu64", tmp_path).train_spans is None


def test_tags_that_do_not_fit_their_text_are_named(tmp_path: Path) -> None:
    _write(tmp_path, "snips", {
        "train": [("play abba", "O B-artist", "PlayMusic"), ("play the cure", "O B-artist", "PlayMusic")],
        "valid": [("x", "O", "PlayMusic")],
        "test": [("x", "O", "PlayMusic")],
    })
    with pytest.raises(ValueError, match=r"train/seq.out:2: 3 words but 2 tags"):
        load_public_dataset("snips", tmp_path)


def _row(parts: list[tuple[str, str | None]], intent: str) -> tuple[tuple[str, str], tuple[tuple[int, int, str], ...]]:
    words: list[str] = []
    tags: list[str] = []
    for chunk, label in parts:
        for i, word in enumerate(chunk.split()):
            words.append(word)
            tags.append("O" if label is None else ("B-" if i == 0 else "I-") + label)
    text = " ".join(words)
    return (text, intent), bio_spans(text, " ".join(tags))


def test_the_benchmark_masks_what_the_train_split_taught_its_recogniser() -> None:
    artists = ["adele", "miles davis", "the cure", "bad bunny", "fela kuti", "abba", "nina simone",
               "daft punk", "bjork", "sade", "youssou ndour", "celia cruz"]
    tracks = ["yellow submarine", "hey jude", "let it be", "blue monday", "purple rain", "black magic woman"]
    playlists = ["gym", "chill", "workout", "sunday", "party", "focus"]
    rows = [_row([(lead, None), (a, "artist")], "PlayMusic") for a in artists for lead in ("play", "play some", "i want to hear")]
    rows += [
        _row([("add", None), (t, "track"), ("to my", None), (p, "playlist"), ("playlist", None)], "AddToPlaylist")
        for t in tracks
        for p in playlists
    ]
    split = Split(train=[r for r, _ in rows], test=[], val=[("play abba", "PlayMusic")], train_spans=[s for _, s in rows])
    pipeline = BenchmarkPipeline(split, fallback_label=None)
    masked, as_written = pipeline.wordings(["add abba to my gym playlist", "play hey jude", "hello"])
    assert "someplaylist" in masked[0] and "gym" not in masked[0]
    assert masked[1] == "play sometrack"
    assert as_written == ["add abba to my gym playlist", "play hey jude", None]
    assert [p.label for p in pipeline.predict_many(["play hey jude", "add abba to my gym playlist"])] == [
        "PlayMusic",
        "AddToPlaylist",
    ]
    alone = BenchmarkPipeline(Split(train=split.train, test=[], val=split.val), fallback_label=None)
    assert alone.ner is None and alone.wordings(["play hey jude"]) == (["play hey jude"], None)
