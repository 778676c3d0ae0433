"""Loading a workspace: every question, source record and setting, with every problem found.

Like a compiler, loading never stops at the first problem: it reads everything
it can and returns the valid parts together with the located problems.
"""

from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from pathlib import Path

from msgspec import Struct

from model.base.clock import Clock
from model.base.errors import Problem, VaneError, did_you_mean, display_path
from model.base.parallel import run_jobs
from model.fileformat.question import Question, question_from_node, question_from_text
from model.fileformat.settings import Settings, settings_from_node
from model.fileformat.sources import SourceRecord, check_references, source_from_node
from model.fileformat.values import Findings
from model.fileformat.yamlread import load_file, load_string, read_checked
from model.workspace.cache import ParseCache
from model.workspace.folder import (
    Workspace,
    file_name_problems,
    id_clashes,
    inside_real,
    question_id_of,
    yaml_files,
)


class Loaded(Struct, frozen=True):
    """What loading found: valid questions, source records and settings, plus problems."""

    questions: tuple[Question, ...] = ()
    sources: tuple[SourceRecord, ...] = ()
    settings: Settings = Settings()
    problems: tuple[Problem, ...] = ()
    files: int = 0
    workspaces: tuple[Workspace, ...] = ()  # whole workspaces among the paths loaded

    def question(self, name: str) -> Question:
        """The question with this id, or whose file this path names.

        Raises
        ------
        VaneError
            When it is absent (not found, or invalid: its problems are attached).
        """
        question_id = question_id_of(name)
        for question in self.questions:
            if question.id == question_id:
                return question
        mine = [p for p in self.problems if Path(p.path).stem == question_id]
        if mine:
            raise VaneError(f"question '{question_id}' has problems; fix them first (vane check)", mine)
        known = [question.id for question in self.questions]
        raise VaneError(f"no question '{question_id}'{did_you_mean(question_id, known)}")

    def select(self, names: list[str] | None) -> list[Question]:
        """The questions named (all of them when ``names`` is empty), in the order given."""
        return [self.question(name) for name in names] if names else list(self.questions)


def load_question(
    path: Path, clock: Clock | None = None, cache: ParseCache | None = None,
) -> tuple[Question | None, list[Problem]]:
    """Read and validate one question file; its id is the file name without suffix.

    With a ``cache``, a file whose text validated before (with this reader and
    a clock no earlier than this one) is not parsed again; see ``cache.py``.
    """
    done, job = _look_up(path, clock or Clock.system(), cache)
    return done if job is None else job.run()


class ParseJob(Struct, frozen=True):
    """A question file read but not found in the cache: what is left is to parse and validate its text."""

    text: str
    shown: str
    path: Path
    clock: Clock
    cache: ParseCache | None

    def run(self) -> tuple[Question | None, list[Problem]]:
        """The question and problems the text gives (kept in the cache when valid).

        What the floors above work out from a question (``keep_derived``) is
        worked out here: in a worker process, that is on another core, and it
        travels back with the question (whose items travel packed).
        """
        question, problems = question_from_text(self.text, self.shown, Path(self.path).stem, self.clock)
        if question is not None:
            _derive(question)
            if self.cache:
                self.cache.keep(self.shown, self.text, question)
        return question, problems


def _look_up(path: Path, clock: Clock, cache: ParseCache | None):
    """``((question, problems), None)`` when reading settles it (a refused name or file, a cached text), else
    ``(None, job)`` with the parsing left to do."""
    problems = file_name_problems(path)
    if problems:  # a refused name is never opened
        return (None, problems), None
    text, problems = read_checked(path)
    if problems:
        return (None, problems), None
    shown = display_path(path)
    known = cache.question(shown, text, clock) if cache else None
    if known is None:
        return None, ParseJob(text, shown, path, clock, cache)
    if any(memo not in known.__dict__ for memo in _DERIVED):  # kept by a run that did not derive it
        _keep(cache, shown, text, known)
    return (known, []), None


def _keep(cache: ParseCache, shown: str, text: str, question: Question) -> None:
    _derive(question)
    cache.keep(shown, text, question)


def _derive(question: Question) -> None:
    for derive in _DERIVED.values():
        derive(question)


_DERIVED: dict = {}  # memo key in a question's __dict__ -> the function that fills it


def keep_derived(memo: str, derive) -> None:
    """Have the parse cache keep ``derive(question)``'s memo ``memo`` with every question.

    A floor above (the engine) registers what it memoises in a question, so a
    warm run starts from it. Questions parsed anew are derived before they are
    kept; a cached one without the memo (kept by a run that had not imported
    that floor) is derived and kept again.
    """
    _DERIVED[memo] = derive


def load_question_text(text: str, path: Path, clock: Clock | None = None):
    """Validate question text that is about to be written to ``path``."""
    return question_of(*load_string(text, display_path(path)), path, clock)


def question_of(root, parse_problems, path: Path, clock: Clock | None = None) -> tuple[Question | None, list[Problem]]:
    """The question a parsed file at ``path`` holds, or every problem: its name's, its parse's, then its content's."""
    problems = file_name_problems(path) or list(parse_problems)
    if problems:
        return None, problems
    return question_from_node(root, display_path(path), Path(path).stem, clock or Clock.system())


def load_settings(path: Path) -> tuple[Settings, list[Problem]]:
    """Read ``vane.yaml``; a missing file gives the defaults."""
    if not path.exists():
        return Settings(), []
    root, _, problems = load_file(path)
    found = Findings(display_path(path), list(problems))
    settings = settings_from_node(root, found) if not problems else Settings()
    return settings, found.problems


def load_source(path: Path) -> tuple[SourceRecord | None, list[Problem]]:
    """Read one source record from ``seeds/``."""
    root, _, problems = load_file(path)
    if problems:
        return None, problems
    return source_from_node(root, display_path(path))


def load_workspace(workspace: Workspace, clock: Clock | None = None) -> Loaded:
    """Load every question, source record and the settings of a workspace."""
    return load_paths([workspace.root], clock)


def load_one_question(workspace: Workspace, name: str, clock: Clock | None = None) -> Loaded:
    """What a view of one question needs: that question (by id or path) and the settings.

    The question, its problems and the settings are those ``load_workspace``
    finds, but no other file is read, so one question of a 1,000-question
    workspace shows as quickly as one of ten. Only file names are compared
    for an id clash, and every file that shares the id is read (a clash is the
    question's problem). Source records are not read. When no file has the
    name, the whole workspace is loaded, for the same message and hint.
    """
    wanted = question_id_of(name).casefold()
    files = [path for path in workspace.question_files() if path.stem.casefold() == wanted]
    if not files:
        return load_workspace(workspace, clock)
    with _collector_paused():
        return _load_paths([workspace.root], clock or Clock.system(), lambda path: path in files)


def load_paths(paths: list[Path], clock: Clock | None = None) -> Loaded:
    """Load what ``paths`` name: workspaces, folders of question or source files, or single files.

    A folder named ``seeds`` (or a file in one) holds source records, ``vane.yaml``
    holds settings, and anything else is a question file. The workspaces met
    are listed in ``Loaded.workspaces``; their forecast logs and saved
    calibrations are checked by ``model.record.check`` (``vane check``).
    """
    with _collector_paused():
        return _load_paths(paths, clock or Clock.system())


@contextmanager
def _collector_paused():
    """Pause the cyclic garbage collector while loading: loading makes many objects (a million for
    1,000 questions) and no cyclic garbage (a test checks), and collecting during it cost a quarter
    of the time. In a command, what was loaded is then frozen (``freeze_loaded``)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _FREEZE:
            gc.freeze()
        if was_enabled:
            gc.enable()


_FREEZE: list = []


def freeze_loaded() -> None:
    """From now on, move what each load made out of the collector's sight (``gc.freeze``).

    For a process whose questions live until it exits, as a command's do:
    otherwise the first collection after loading walks them all again (0.15 s
    of a 1.1 s ``vane status`` on 1,000 questions). Not the default, because
    it freezes every object then alive in the process, not only the questions.
    """
    _FREEZE.append(True)


def _load_paths(paths: list[Path], clock: Clock, wanted=None) -> Loaded:
    """``load_paths``; with ``wanted``, of a workspace's question files and source records only those it accepts.

    Files are read in order and question files found in the cache are settled
    at once; the rest are parsed together at the end (``parallel.run_jobs``, in
    several processes when there are many), and the problems kept in file order.
    """
    sources, parts, records, jobs = [], [], [], []
    settings, files = Settings(), 0
    caches: dict[Path, ParseCache | None] = {}
    for kind, path, root in _classify(paths):
        if wanted and kind in ("question", "outside", "source", "records") and not wanted(path):
            continue
        if kind == "empty":
            parts.append([Problem(display_path(path), 0, "no question files (.yaml) in this folder")])
            continue
        if kind == "records":
            records.append(Workspace(path))
            continue
        if kind == "outside":
            parts.append([Problem(display_path(path), 1, "links to a file outside the workspace, which vane would "
                                                         "never change; copy the file into scenarios/ instead")])
            continue
        files += 1
        if kind == "settings":
            settings, found = load_settings(path)
            parts.append(found)
        elif kind == "source":
            record, found = load_source(path)
            parts.append(found)
            sources += [record] if record else []
        else:
            if root and root not in caches:
                caches[root] = ParseCache.of(root)
            done, job = _look_up(path, clock, caches.get(root))
            parts.append(done or len(jobs))
            jobs += [job] if job else []
    parsed = run_jobs(jobs)
    questions, problems = [], []
    for part in parts:
        if isinstance(part, int):
            part = parsed[part]
        if isinstance(part, tuple):  # a question file's (question, problems)
            questions += [part[0]] if part[0] else []
            part = part[1]
        problems += part
    clashes = id_clashes([Path(question.path) for question in questions])
    problems += clashes
    clashing = {Path(problem.path).stem.casefold() for problem in clashes}
    questions = [question for question in questions if question.id.casefold() not in clashing]  # neither is the question
    by_id = {question.id: question for question in questions}
    for record in sources:
        problems += check_references(record, _with_workspace_questions(record, by_id, clock))
    return Loaded(tuple(questions), tuple(sources), settings, tuple(problems), files, tuple(records))



def _with_workspace_questions(record: SourceRecord, by_id: dict, clock: Clock) -> dict:
    """Questions a source record may cite: those loaded, plus its own workspace's (checking seeds alone)."""
    workspace = Workspace(Path(record.path).absolute().parent.parent)
    known = dict(by_id)
    for path in workspace.question_files():
        if path.stem not in known:
            question, _ = load_question(path, clock)
            if question:
                known[question.id] = question
    return known


def _classify(paths: list[Path]):
    """(kind, path, workspace root or None) for everything ``paths`` name; a workspace's questions may be cached."""
    for path in map(Path, paths):
        if path.is_dir() and (path / "scenarios").is_dir():
            workspace = Workspace(path)
            real = os.path.realpath(path)
            yield from (("question", p, path) if inside_real(p, real) else ("outside", p, None)
                        for p in workspace.question_files())
            yield from (("source", p, None) for p in yaml_files(workspace.seeds))
            if workspace.config_file.exists():
                yield "settings", workspace.config_file, None
            yield "records", path, None  # the forecast log and the saved calibration (checked with ``with_records``)
        elif path.is_dir():
            kind = "source" if path.name == "seeds" else "question"
            files = yaml_files(path)
            yield from ((kind, p, None) for p in files) if files else [("empty", path, None)]
        elif path.name == "vane.yaml":
            yield "settings", path, None
        elif path.parent.name == "seeds":
            yield "source", path, None
        elif path.exists() or path.is_symlink():
            yield "question", path, None
        else:
            raise VaneError(f"{display_path(path)}: no such file or folder")
