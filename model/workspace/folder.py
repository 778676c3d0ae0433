"""The workspace: a folder holding ``scenarios/`` (question files) and ``reports/``.

Users keep a workspace in their own git repository. Commands find it from
``--dir``, else the ``VANE_DIR`` environment variable, else the current folder
or the nearest parent folder that has a ``scenarios/`` folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from msgspec import Struct

from model.base.errors import Problem, VaneError, did_you_mean, display_path
from model.fileformat.values import IDENTIFIER_TEXT, is_identifier

ENVIRONMENT_VARIABLE = "VANE_DIR"


QUESTION_SUFFIXES = (".yaml", ".yml")


GITIGNORE = "# written by vane: lock and temporary files of safe writes\n.*.lock\n.*.tmp\n"


class Workspace(Struct, frozen=True):
    """Paths of one workspace."""

    root: Path

    @property
    def scenarios(self) -> Path:
        """Folder of question files."""
        return self.root / "scenarios"

    @property
    def reports(self) -> Path:
        """Folder of weekly reports and the forecast log."""
        return self.root / "reports"

    @property
    def seeds(self) -> Path:
        """Folder of source-document records (optional)."""
        return self.root / "seeds"

    @property
    def config_file(self) -> Path:
        """Optional settings file (grade weights and the like)."""
        return self.root / "vane.yaml"

    def question_files(self) -> list[Path]:
        """Question files in ``scenarios/``, sorted by name; hidden files are skipped."""
        return yaml_files(self.scenarios)

    def question_path(self, name: str) -> Path:
        """The file of a question given by id (file name without suffix) or by path.

        Raises
        ------
        VaneError
            When there is no such question, with the closest id as a hint.
        """
        given = Path(name)
        if given.suffix.lower() in QUESTION_SUFFIXES and os.path.lexists(given):
            return given
        files = self.question_files()
        for path in files:  # any suffix, in any case (talks.yaml, talks.yml, talks.YAML)
            if path.stem == name:
                return path
        hint = did_you_mean(name, [path.stem for path in files])
        raise VaneError(f"no question '{name}' in {display_path(self.scenarios)}{hint}")

    def writable_question_path(self, name: str) -> Path:
        """The file of a question that a command is about to change: ``question_path``, checked first.

        Raises
        ------
        VaneError
            When there is no such question, when its file name is not a question
            id, or when the file (or the file a symlink points to) lies outside
            the workspace: commands change only the workspace's own files.
        """
        path = self.question_path(name)
        problems = file_name_problems(path)
        if problems:
            raise VaneError(str(problems[0]), problems)
        if not is_inside(path, self.root):
            problem = Problem(display_path(path), 1, f"lies outside the workspace {display_path(self.root)} (or links "
                                                     "there); vane changes only the workspace's own files")
            raise VaneError(str(problem), [problem])
        return path

    def id_clashes(self) -> list[Problem]:
        """Problems for question files that share an id (``twin.yaml`` and ``twin.yml``, ``Twin.yaml``)."""
        return id_clashes(self.question_files())

    def refuse_clashes(self) -> "Workspace":
        """The workspace itself, when no two question files share an id.

        Raises
        ------
        VaneError
            Naming the clashing files: while two files claim one question, any
            write could go to either, so every write command refuses.
        """
        clashes = self.id_clashes()
        if clashes:
            raise VaneError("two question files share an id; rename or remove one first (nothing was written)", clashes)
        return self


def file_name_problems(path: Path) -> list[Problem]:
    """A problem when a question file's name does not make a valid id (the id names the question everywhere)."""
    question_id = Path(path).stem
    if is_identifier(question_id):
        return []
    return [Problem(display_path(path), 1, f"the file name makes the question id '{question_id}', "
                                           f"which must be {IDENTIFIER_TEXT}; rename the file")]


def is_inside(path: Path, folder: Path) -> bool:
    """True when ``path``, with every symlink followed, lies inside ``folder`` (symlinks followed too)."""
    return inside_real(path, os.path.realpath(folder))


def inside_real(path: Path, real_folder: str) -> bool:
    """``is_inside`` for a folder already resolved with ``os.path.realpath`` (a workspace's files ask it once)."""
    real = os.path.realpath(path)
    return real.startswith(real_folder.rstrip(os.sep) + os.sep) and real != real_folder


def id_clashes(paths: list[Path]) -> list[Problem]:
    """A problem for each file whose question id another file already has.

    Ids that differ only in case clash too: the workspace is shared through git
    with machines whose file systems ignore case.
    """
    first: dict[str, Path] = {}
    problems = []
    for path in paths:
        key = Path(path).stem.casefold()
        if key in first and os.path.abspath(first[key]) != os.path.abspath(path):
            problems.append(Problem(display_path(path), 1, f"question id '{Path(path).stem}' is also the id of "
                                                           f"{display_path(first[key])}; rename one of them"))
        first.setdefault(key, path)
    return problems


def new_question_file(folder: Path, question_id: str) -> Path:
    """Where a new question's file goes: ``<folder>/<id>.yaml``, checked before anything is created.

    Raises
    ------
    VaneError
        When the id breaks the id rule (so it could name a path elsewhere), when
        the file would land outside ``folder``, or when a file already has the id.
    """
    if not is_identifier(question_id):
        raise VaneError(f"question id '{question_id}' must be {IDENTIFIER_TEXT}")
    path = folder / f"{question_id}.yaml"
    if Path(os.path.realpath(path)).parent != Path(os.path.realpath(folder)):
        raise VaneError(f"{display_path(path)} would lie outside {display_path(folder)}; not creating it")
    taken = [other for other in yaml_files(folder) if other.stem.casefold() == question_id.casefold()]
    if taken:
        raise VaneError(f"{display_path(taken[0])} already exists with the question id '{question_id}'; not overwriting it")
    return path


def question_id_of(name: str) -> str:
    """A question's id from its id or the path of its file (``scenarios/talks.yaml`` -> ``talks``)."""
    return Path(name).stem if name.lower().endswith(QUESTION_SUFFIXES) else name


def yaml_files(folder: Path) -> list[Path]:
    """The ``.yaml``/``.yml`` files directly in ``folder``, sorted, hidden ones skipped."""
    if not folder.is_dir():
        return []
    return sorted(
        path for path in folder.iterdir()
        if path.suffix.lower() in QUESTION_SUFFIXES and not path.name.startswith(".")
    )


def locate(given: str | Path | None = None) -> Workspace:
    """Find the workspace: ``given``, else ``$VANE_DIR``, else the current folder or a parent.

    Raises
    ------
    VaneError
        When the folder has no ``scenarios/`` folder.
    """
    explicit = given or os.environ.get(ENVIRONMENT_VARIABLE)
    if explicit:
        root = Path(explicit).expanduser()
        if not (root / "scenarios").is_dir():
            raise VaneError(f"{display_path(root)} is not a workspace (no scenarios/ folder); create one with 'vane init {explicit}'")
        return Workspace(root)
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / "scenarios").is_dir():
            return Workspace(folder)
    raise VaneError("no workspace here (no scenarios/ folder in this folder or its parents); run 'vane init DIR' or pass --dir")


def init_workspace(root: Path) -> tuple[Workspace, list[Path]]:
    """Create an empty workspace at ``root``; returns it and the paths it created.

    Existing files are never touched, so running it twice is harmless.
    """
    workspace = Workspace(root)
    created = []
    for folder in (workspace.root, workspace.scenarios, workspace.reports):
        if not folder.exists():
            folder.mkdir(parents=True)
            created.append(folder)
        elif not folder.is_dir():
            raise VaneError(f"{display_path(folder)} exists and is not a folder")
    gitignore = workspace.root / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text(GITIGNORE, encoding="utf-8")
        created.append(gitignore)
    return workspace, created


LOG_NAME = "forecasts.jsonl"  # the forecast log, in the workspace's reports/


def log_path(workspace: Workspace) -> Path:
    """Where the workspace's forecast log lives."""
    return workspace.reports / LOG_NAME
