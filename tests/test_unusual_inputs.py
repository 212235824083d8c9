"""Valid but unusual inputs are accepted: the control set of the bad-input corpus.

``tests/data/unusual`` holds a scenario with a Unicode file name and Russian,
Chinese, emoji and right-to-left text in every free-text field (ids stay
ASCII), one saved with a UTF-8 byte-order mark and one with CRLF line endings.
A file with 10 MB of comments and one in a folder with spaces and Unicode in
its name are made here. Bad inputs: test_bad_input_corpus.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from flowsim.cli import cli

from .conftest import DATA

UNUSUAL = DATA / "unusual"
UNUSUAL_FILES = sorted(UNUSUAL.glob("*.toml"))
UNICODE = UNUSUAL / "сценарий_天然气.toml"
COMMENT_BYTES = 10 * 2**20


def invoke(*args: str) -> Result:
    """Run the command line in this process."""
    return CliRunner().invoke(cli, list(args), prog_name="flowsim")


def assert_accepted(result: Result) -> None:
    """Exit 0, nothing on stderr, no exception."""
    assert result.exception is None, result.stderr
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""


def test_control_set_is_there() -> None:
    """The Unicode-named file, the BOM file and the CRLF file are present as committed."""
    assert UNICODE in UNUSUAL_FILES
    assert (UNUSUAL / "bom.toml").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in (UNUSUAL / "crlf.toml").read_bytes()


@pytest.mark.parametrize("path", UNUSUAL_FILES, ids=lambda p: p.stem)
def test_unusual_file_validates(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each file of the control set is valid, by relative and by absolute path."""
    monkeypatch.chdir(UNUSUAL)
    for given in (path.name, str(path)):
        result = invoke("validate", given)
        assert_accepted(result)
        assert result.stdout.startswith(f"ok  {given}")


def test_unicode_folder_and_spaces_validate(tmp_path: Path) -> None:
    """A scenario in a folder named with spaces, Cyrillic and Chinese is valid."""
    folder = tmp_path / "мои сценарии 我的情景"
    folder.mkdir()
    path = folder / "газ 天然气.toml"
    shutil.copy(UNICODE, path)
    result = invoke("validate", str(path), f"{path}#late_start")
    assert_accepted(result)
    assert result.stdout.count("ok  ") == 2


def test_ten_megabytes_of_comments_validate(tmp_path: Path) -> None:
    """10 MB of comments (ASCII and Unicode) around a few keys are no problem."""
    line = "# комментарий 注释 comment — a long line of prose nobody reads " + "x" * 40 + "\n"
    block = line * (COMMENT_BYTES // 2 // len(line.encode("utf-8")) + 1)
    text = f'{block}extends = "{UNICODE.as_posix()}"\n{block}name = "commented"\n{block}'
    path = tmp_path / "comments.toml"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size >= COMMENT_BYTES
    result = invoke("validate", str(path))
    assert_accepted(result)
    assert result.stdout.startswith(f"ok  {path}")


def run_unicode(tmp_path: Path, *options: str) -> tuple[Result, Path]:
    """Run the Unicode scenario with one member into a folder named in Cyrillic and Chinese."""
    out = tmp_path / "вывод 输出"
    result = invoke("run", str(UNICODE), "--members", "1", "--out", str(out), "--quiet", *options)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exception is None, result.stderr
    assert result.exit_code == 0, result.stderr
    assert not list(tmp_path.glob("flowsim-out*"))
    return result, out


def test_unicode_scenario_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Unicode scenario runs (no figures) and writes its files, its name intact."""
    monkeypatch.chdir(tmp_path)
    result, out = run_unicode(tmp_path, "--no-figures")
    assert result.stderr == ""
    for name in ("results.nc", "summary.csv", "iamc.csv", "scenario.toml"):
        assert (out / name).is_file(), name
    assert "Сила Сибири — 天然气管道 ✓" in (out / "scenario.toml").read_text(encoding="utf-8")


def test_unicode_scenario_runs_with_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With figures too, quietly: nothing on stderr."""
    monkeypatch.chdir(tmp_path)
    result, out = run_unicode(tmp_path)
    assert result.stderr == ""
    assert list((out / "figures").glob("*.png"))
