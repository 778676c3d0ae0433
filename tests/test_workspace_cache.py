"""The parse cache: used only for the exact text it was made from, signed by this user, and harmless when hostile."""

from __future__ import annotations

import datetime as dt
import gc
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from model.base.clock import Clock
from model.engine.probabilities import compile_question, question_arrays
from model.workspace import cache, loader
from model.workspace.cache import ParseCache, latest_moments
from model.workspace.folder import Workspace
from model.workspace.loader import load_question, load_workspace
from tests.helpers import vane

EXAMPLES = Path(__file__).resolve().parents[1] / "scenarios"
NOW = Clock(dt.datetime(2026, 12, 2, 12, tzinfo=dt.timezone.utc))


@pytest.fixture(autouse=True)
def own_key(tmp_path: Path, monkeypatch):
    """Each test signs with a key of its own (and never touches the real user's cache folder)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.delenv("VANE_NO_CACHE", raising=False)


@pytest.fixture
def space(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    (root / "reports").mkdir(parents=True)
    shutil.copytree(EXAMPLES, root / "scenarios")
    return root


def parses(monkeypatch) -> list[str]:
    """Record every question text the loader parses."""
    seen: list[str] = []

    original = loader.question_from_text

    def counting(text, path, *rest):
        seen.append(path)
        return original(text, path, *rest)

    monkeypatch.setattr(loader, "question_from_text", counting)
    return seen


def test_a_second_load_parses_nothing_and_gives_equal_questions(space: Path, monkeypatch):
    seen = parses(monkeypatch)
    first = load_workspace(Workspace(space), NOW)
    count = len(seen)
    second = load_workspace(Workspace(space), NOW)
    assert count == len(first.questions) > 0 and len(seen) == count  # the second load parsed nothing
    assert second.questions == first.questions
    assert (space / ".vane" / ".gitignore").read_text().splitlines()[-1] == "*"  # git never shares it


def entry_of(space: Path, stem: str) -> Path:
    return space / cache.FOLDER / f"{stem}{cache.ENTRY_SUFFIX}"


def test_a_changed_file_is_parsed_again_and_its_entry_written_over(space: Path, monkeypatch):
    load_workspace(Workspace(space), NOW)
    path = sorted((space / "scenarios").glob("*.yaml"))[0]
    before = entry_of(space, path.stem).read_bytes()
    path.write_text(path.read_text() + "\n# a note\n")
    seen = parses(monkeypatch)
    load_workspace(Workspace(space), NOW)
    assert seen and all(Path(shown).stem == path.stem for shown in seen)
    assert [entry.name for entry in (space / cache.FOLDER).glob(f"{path.stem}.*")] == [f"{path.stem}.entry"]
    assert entry_of(space, path.stem).read_bytes() != before  # the new text's entry, in the same file
    seen.clear()
    load_workspace(Workspace(space), NOW)
    assert not seen


def test_the_entry_of_another_text_of_the_file_is_a_miss_and_never_unpickled(space: Path, monkeypatch):
    load_workspace(Workspace(space), NOW)
    path = sorted((space / "scenarios").glob("*.yaml"))[0]
    text = path.read_text()
    path.write_text(text + "\n# a note\n")
    load_workspace(Workspace(space), NOW)
    path.write_text(text)  # back to the first text: the file holds the entry of the second
    monkeypatch.setattr("pickle.loads", lambda *_: pytest.fail("another text's entry was unpickled"))
    seen = parses(monkeypatch)
    loader.load_question(path, NOW, ParseCache.of(space))
    assert [Path(shown).stem for shown in seen] == [path.stem]


def test_an_entry_another_msgspec_wrote_is_a_miss(space: Path, monkeypatch):
    # its MessagePack is read only when the evidence is asked for, long after the entry was taken
    import msgspec

    load_workspace(Workspace(space), NOW)
    monkeypatch.setattr(msgspec, "__version__", "0.0.1")
    monkeypatch.setattr(cache, "_VERSION", [])
    seen = parses(monkeypatch)
    again = load_workspace(Workspace(space), NOW)
    assert len(seen) == len(again.questions) > 0


def test_an_entry_cut_short_is_a_miss_and_written_whole_again(space: Path, monkeypatch):
    load_workspace(Workspace(space), NOW)
    path = sorted((space / "scenarios").glob("*.yaml"))[0]
    whole = entry_of(space, path.stem).read_bytes()
    seen = parses(monkeypatch)
    for cut in (len(whole) - 1, 40, 0):  # as a crash, or a reader racing a writer, could leave it
        entry_of(space, path.stem).write_bytes(whole[:cut])
        seen.clear()
        assert load_workspace(Workspace(space), NOW).questions
        assert [Path(shown).stem for shown in seen] == [path.stem]
        assert entry_of(space, path.stem).read_bytes() == whole


def test_an_entry_is_never_written_through_a_link(space: Path, tmp_path: Path):
    load_workspace(Workspace(space), NOW)
    path = sorted((space / "scenarios").glob("*.yaml"))[0]
    precious = tmp_path / "precious.txt"
    precious.write_text("my thesis")
    entry_of(space, path.stem).unlink()
    entry_of(space, path.stem).symlink_to(precious)
    path.write_text(path.read_text() + "\n# a note\n")
    assert load_workspace(Workspace(space), NOW).questions  # parsed; the entry could not be kept
    assert precious.read_text() == "my thesis" and entry_of(space, path.stem).is_symlink()


def test_the_cache_folder_of_older_versions_goes_when_the_new_one_is_made(space: Path):
    old = space / cache.OLD_FOLDER
    old.mkdir(parents=True)
    (old / f"talks.{'0' * 40}").write_bytes(b"an entry of the older layout")
    load_workspace(Workspace(space), NOW)
    assert not old.exists() and list((space / cache.FOLDER).glob("*.entry"))


def test_an_entry_someone_else_signed_is_never_used(space: Path, monkeypatch, tmp_path: Path):
    load_workspace(Workspace(space), NOW)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-user"))  # a colleague who pulled the folder
    seen = parses(monkeypatch)
    load_workspace(Workspace(space), NOW)
    assert len(seen) == len(list((space / "scenarios").glob("*.yaml")))


def test_a_forged_or_damaged_entry_is_a_miss_and_never_unpickled(space: Path, monkeypatch):
    load_workspace(Workspace(space), NOW)
    for entry in (space / cache.FOLDER).glob(f"*{cache.ENTRY_SUFFIX}"):
        data = entry.read_bytes()
        after_name = data.index(b"\n", 32) + 1  # the entry's own name, then the forged pickle
        entry.write_bytes(data[:after_name] + b"cos\nsystem\n(S'touch /tmp/pwned'\ntR." + data[after_name:])
    monkeypatch.setattr("pickle.loads", lambda *_: pytest.fail("an unsigned entry was unpickled"))
    seen = parses(monkeypatch)
    loaded = load_workspace(Workspace(space), NOW)
    assert not loaded.problems and len(seen) == len(loaded.questions)


def test_an_entry_made_later_than_this_clock_is_not_used(space: Path, monkeypatch):
    """A question valid now may hold dates in the future of an earlier clock: its checks must run again."""
    load_workspace(Workspace(space), NOW)
    seen = parses(monkeypatch)
    early = Clock(dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc))
    loaded = load_workspace(Workspace(space), early)
    assert seen and loaded.problems and all("future" in p.message or "before" in p.message for p in loaded.problems)


def test_files_with_problems_are_never_cached(space: Path):
    broken = space / "scenarios" / "broken.yaml"
    broken.write_text("question: [unclosed\n")
    for _ in range(2):
        loaded = load_workspace(Workspace(space), NOW)
        assert any(p.path.endswith("broken.yaml") for p in loaded.problems)
    assert not list((space / cache.FOLDER).glob("broken.*"))


def test_a_linked_cache_folder_is_not_used(space: Path, tmp_path: Path):
    """A ``.vane`` committed as a link could point anywhere: nothing is read, written or removed there."""
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "cache").mkdir(parents=True)
    stem = sorted((space / "scenarios").glob("*.yaml"))[0].stem
    precious = elsewhere / "cache" / f"{stem}.docx"
    precious.write_text("my thesis")
    (space / ".vane").symlink_to(elsewhere, target_is_directory=True)
    load_workspace(Workspace(space), NOW)
    assert [p.name for p in (elsewhere / "cache").iterdir()] == [precious.name]
    assert ParseCache.of(space) is None


def test_turned_off_by_the_environment(space: Path, monkeypatch):
    monkeypatch.setenv("VANE_NO_CACHE", "1")
    load_workspace(Workspace(space), NOW)
    assert not (space / ".vane").exists()


def test_an_added_item_is_cached_by_the_edit_itself(space: Path, monkeypatch):
    question = sorted((space / "scenarios").glob("*.yaml"))[0].stem
    loaded = load_workspace(Workspace(space), NOW)
    scenario = loaded.question(question).scenario_ids[0]
    result = vane("add", question, "--dir", str(space), "--summary", "A new report", "--date", "2026-11-30",
                  "--grade", "B2", "--rate", f"{scenario}=+")
    assert result.code == 0, result.output
    seen = parses(monkeypatch)
    reloaded = load_workspace(Workspace(space))
    assert not seen  # nothing parsed: the edit cached what it wrote
    assert any(item.summary == "A new report" for item in reloaded.question(question).evidence)


def test_the_latest_moments_of_a_question(space: Path):
    path = sorted((space / "scenarios").glob("*.yaml"))[0]
    question, problems = load_question(path, NOW)
    assert not problems
    day, time = latest_moments(question)
    assert day >= max(item.date for item in question.evidence)
    assert time is None or time >= max(item.recorded for item in question.evidence if item.recorded)


def test_a_cached_workspace_gives_the_same_status(space: Path):
    first = vane("status", "--dir", str(space), "--json")
    second = vane("status", "--dir", str(space), "--json")
    assert first.code == second.code == 0 and first.stdout == second.stdout
    assert os.listdir(space / cache.FOLDER)


def test_a_changed_file_writes_only_its_own_entry(space: Path):
    """Entries are "<stem>.entry" and ids may hold dots: "q.v2"'s entry is not "q"'s."""
    path = sorted((space / "scenarios").glob("*.yaml"))[0]
    dotted = path.with_name(f"{path.stem}.v2.yaml")
    shutil.copy(path, dotted)
    load_workspace(Workspace(space), NOW)
    kept = entry_of(space, dotted.stem).read_bytes()
    path.write_text(path.read_text() + "\n# a note\n")
    load_workspace(Workspace(space), NOW)
    assert entry_of(space, dotted.stem).read_bytes() == kept
    files = sorted(file.stem for file in (space / "scenarios").glob("*.yaml"))
    assert sorted(entry.name[:-len(cache.ENTRY_SUFFIX)] for entry in (space / cache.FOLDER).glob("*.entry")) == files


def test_a_cached_question_brings_its_engine_arrays_and_they_equal_fresh_ones(space: Path):
    load_workspace(Workspace(space), NOW)
    cached = load_workspace(Workspace(space), NOW).questions
    assert all("_engine_arrays" in question.__dict__ for question in cached)  # no item is looped over again
    for question in cached:
        fresh = loader.question_of(*loader.load_string(Path(question.path).read_text(), question.path),
                                   Path(question.path), NOW)[0]
        assert "_engine_arrays" not in fresh.__dict__ and fresh == question
        kept, made = compile_question(question).matrix, compile_question(fresh).matrix
        for name in ("log_prior", "units", "weights", "story", "dates", "recorded", "item_class"):
            assert np.array_equal(getattr(kept, name), getattr(made, name)), name
        assert (kept.stories, kept.classes) == (made.stories, made.classes)
        assert question_arrays(question) is question_arrays(question)  # worked out once


def test_loading_makes_no_cyclic_garbage(space: Path):
    """A command freezes what it loaded (``gc.freeze``); that is only safe while loading leaves no cycles behind."""
    assert not loader._FREEZE  # (only ``vane`` itself asks for it: a frozen cycle could never be collected here)
    load_workspace(Workspace(space), NOW)  # fills the cache
    for _ in range(2):  # a warm load, then (the cache removed) a cold one
        gc.collect()
        was = gc.isenabled()
        gc.disable()
        try:
            load_workspace(Workspace(space), NOW)
            assert gc.collect() == 0
        finally:
            if was:
                gc.enable()
        shutil.rmtree(space / ".vane")


def test_an_entry_kept_without_the_arrays_gets_them_on_the_next_load(space: Path, monkeypatch):
    monkeypatch.setattr(loader, "_DERIVED", {})  # as 'vane check' might, before the engine is imported
    load_workspace(Workspace(space), NOW)
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(space.parent / "user-cache"))
    first = load_workspace(Workspace(space), NOW).questions
    assert first and all("_engine_arrays" in question.__dict__ for question in first)
    kept: list = []
    monkeypatch.setattr(ParseCache, "keep", lambda self, *args: kept.append(args))
    again = load_workspace(Workspace(space), NOW).questions
    assert not kept and all("_engine_arrays" in question.__dict__ for question in again)  # the entries hold them now


def test_vane_check_keeps_the_engines_arrays_in_the_cache(space: Path):
    from tests.helpers import vane_process

    env = {"XDG_CACHE_HOME": str(space.parent / "user-cache")}
    assert vane_process("check", "--dir", str(space), env=env).code == 0
    import pickle

    for entry in (space / cache.FOLDER).glob(f"*{cache.ENTRY_SUFFIX}"):
        data = entry.read_bytes()
        _, _, state, _ = pickle.loads(data[data.index(b"\n", 32) + 1:])  # the question's state, then its evidence
        assert "_engine_arrays" in state, entry.name


def test_a_question_from_the_cache_unpacks_its_evidence_only_when_asked(space: Path, monkeypatch):
    """``vane status`` on an unchanged workspace reads no evidence item: the rows it shows were worked out before."""
    import dataclasses

    from model.fileformat.question import PackedEvidence
    from model.workspace import cache as parse_cache
    from model.workspace.loader import load_question

    store = parse_cache.ParseCache.of(space)
    path = next((space / "scenarios").glob("*.yaml"))  # the bundled example
    fresh, _ = load_question(path, cache=store)  # parsed, and kept
    assert fresh.evidence
    unpacked = []
    original = PackedEvidence.__call__
    monkeypatch.setattr(PackedEvidence, "__call__", lambda self: unpacked.append(1) or original(self))
    cached, _ = load_question(path, cache=store)
    assert parse_cache.TEXT_KEY in cached.__dict__ and "evidence" not in cached.__dict__ and not unpacked
    assert vane("status", "--dir", str(space)).code == 0  # works the rows out (reading the items), keeps them
    unpacked.clear()
    assert vane("status", "--dir", str(space)).code == 0
    assert not unpacked  # the second status came from the cache: no item was read
    assert cached.evidence == fresh.evidence and len(unpacked) == 1
    assert cached.evidence is cached.evidence and len(unpacked) == 1  # once
    assert cached == fresh and dataclasses.replace(cached, title="x").evidence == fresh.evidence
    with pytest.raises(AttributeError):
        _ = cached.no_such_field


def test_packed_evidence_comes_back_with_every_field_as_it_was():
    """Items are packed as MessagePack (``PackedEvidence``): every field, those equality skips included, and
    times as the UTC instants read from files."""
    import dataclasses
    import pickle

    from msgspec import structs

    from model.fileformat.evidence import Evidence, Retraction

    utc = dt.timezone.utc
    items = (
        Evidence("e1", dt.date(2025, 3, 1), "Envoys meet \u202e\x07 at last", {"deal": 1.0, "stall": -2.0},
                 recorded=dt.datetime(2025, 3, 2, 9, 30, 15, 123456, tzinfo=utc), source="Reuters", url="https://x.org/a",
                 grade="B2", story="talks", analyst="ann", scale="likelihoods", line=42,
                 retracted=Retraction(dt.date(2025, 4, 1), "withdrawn", dt.datetime(2025, 4, 1, 8, tzinfo=utc))),
        Evidence("e2", dt.date(1900, 1, 1), "old", {"deal": -0.2630344058337938, "stall": 0.0}, indicator="i1"),
    )
    question = load_question(next(EXAMPLES.glob("*.yaml")), NOW)[0]
    kept = pickle.loads(pickle.dumps(dataclasses.replace(question, evidence=items)))  # packed, then unpacked
    assert [structs.asdict(item) for item in kept.evidence] == [structs.asdict(item) for item in items]
    assert kept.evidence[0].recorded.tzinfo == utc and kept.evidence[0].retracted.recorded.tzinfo == utc
    assert kept.evidence[1].recorded is None and kept.evidence[1].retracted is None
    assert pickle.loads(pickle.dumps(dataclasses.replace(question, evidence=()))).evidence == ()
