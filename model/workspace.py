"""The workspace: a folder holding ``scenarios/`` (question files) and ``reports/``.

Users keep a workspace in their own git repository. Commands find it from
``--dir``, else the ``VANE_DIR`` environment variable, else the current folder
or the nearest parent folder that has a ``scenarios/`` folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from model.errors import VaneError, did_you_mean, display_path

ENVIRONMENT_VARIABLE = "VANE_DIR"
QUESTION_SUFFIXES = (".yaml", ".yml")
GITIGNORE = "# written by vane: lock and temporary files of safe writes\n.*.lock\n.*.tmp\n"


@dataclass(frozen=True)
class Workspace:
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
        for suffix in QUESTION_SUFFIXES:
            candidate = self.scenarios / f"{name}{suffix}"
            if os.path.lexists(candidate):
                return candidate
        known = [path.stem for path in self.question_files()]
        hint = did_you_mean(name, known)
        raise VaneError(f"no question '{name}' in {display_path(self.scenarios)}{hint}")


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
