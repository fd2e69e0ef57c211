"""densenet-lab assignments: release student notebooks, grade a class of submissions, and the
nbgrader route (generate_assignment on the book's notebooks).

The course here is one small notebook in the book's exercise format (a solution cell, a grade
cell with hidden tests, a second exercise, an answer in words), written by ``make_book``.
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

pytest.importorskip("nbgrader")

from densenet_lab import assignments  # noqa: E402
from densenet_lab.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NAME = "03_fixture.ipynb"
INSTALL = ('# Install densenet_lab when it is missing (on Colab); nothing happens where it is installed.\n'
           'import importlib.util\n'
           'if importlib.util.find_spec("densenet_lab") is None:\n'
           '    raise SystemExit("densenet_lab is missing")')
DOUBLE = "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"
SQUARE = "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION"
CHECK_DOUBLE = (
    'check_function(double, lambda x: 2 * x, [(1,), (0,)], what="double", hint="multiply by two")\n'
    "### BEGIN HIDDEN TESTS\n"
    'check_function(double, lambda x: 2 * x, [(-3,), (2.5,)], what="double", hint="negative numbers too")\n'
    "### END HIDDEN TESTS\n"
    'correct("double doubles", 2);'
)
CHECK_SQUARE = ('check_function(square, lambda x: x * x, [(3,), (-2,)], what="square", hint="x times x")\n'
                'correct("square squares", 1);')
ANSWER = "```{admonition} Solution\n:class: dropdown\n\nConcatenation keeps the input.\n```"


def nbgrader_meta(grade_id: str, *, grade: bool, solution: bool, points: int = 0) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": not solution, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def make_notebook() -> nbformat.NotebookNode:
    """The instructor's notebook: two code exercises (2 + 1 points) and one answer in words (2)."""
    nb = new_notebook(metadata={"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                                "language_info": {"name": "python"}})
    nb.cells = [
        new_markdown_cell("# A fixture chapter"),
        new_code_cell(INSTALL),
        new_code_cell("from densenet_lab.exercises.core import check_function, correct"),
        new_markdown_cell("## Exercises\n\n1. Write `double(x)`."),
        new_code_cell(DOUBLE, metadata={**nbgrader_meta("fx-ex1-answer", grade=False, solution=True),
                                        "tags": ["hide-input"]}),
        new_code_cell(CHECK_DOUBLE, metadata=nbgrader_meta("fx-ex1-check", grade=True, solution=False, points=2)),
        new_markdown_cell("2. Write `square(x)`."),
        new_code_cell(SQUARE, metadata=nbgrader_meta("fx-ex2-answer", grade=False, solution=True)),
        new_code_cell(CHECK_SQUARE, metadata=nbgrader_meta("fx-ex2-check", grade=True, solution=False, points=1)),
        new_markdown_cell("3. Why does a dense block keep its input?"),
        new_markdown_cell(ANSWER, metadata=nbgrader_meta("fx-ex3-answer", grade=True, solution=True, points=2)),
    ]
    for i, cell in enumerate(nb.cells, 1):
        cell.id = f"ch03-{i:03d}"  # nbformat 4.5 with the book's stable, readable ids (tools/book.py)
    return nb


def make_book(root: Path) -> Path:
    (root / "en").mkdir(parents=True)
    nbformat.write(make_notebook(), root / "en" / NAME)
    return root


def answer(nb: nbformat.NotebookNode, grade_id: str, source: str) -> None:
    """Write ``source`` into the cell ``grade_id`` of a (student) notebook."""
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    cell.source = source


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


# ------------------------------------------------------------------ release


def test_release_removes_solutions_and_hidden_tests_and_keeps_the_rest(tmp_path):
    book = make_book(tmp_path / "book")
    code = main(["assignments", "release", "--source", str(book), "--chapters", "3", "--out", str(tmp_path / "rel")])
    assert code == 0
    released = nbformat.read(tmp_path / "rel" / NAME, as_version=4)
    text = "\n".join(c.source for c in released.cells)
    for secret in ("BEGIN SOLUTION", "return 2 * x", "return x * x", "HIDDEN TESTS", "(-3,)",
                   "Concatenation keeps the input"):
        assert secret not in text
    source = make_notebook()
    assert len(released.cells) == len(source.cells)
    assert released.cells[1].source == INSTALL  # the install cell, unchanged: it runs on Colab
    check = released.cells[5]
    assert check.source.startswith('check_function(double, lambda x: 2 * x, [(1,), (0,)]')
    assert check.metadata["editable"] is False and check.metadata["deletable"] is False
    assert check.metadata["nbgrader"]["points"] == 2
    assert released.cells[4].source == "def double(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    assert released.cells[10].source == "YOUR ANSWER HERE"
    assert all(c.get("outputs", []) == [] for c in released.cells)


def test_release_refuses_a_folder_with_files_unless_force(tmp_path, capsys):
    book = make_book(tmp_path / "book")
    out = tmp_path / "rel"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    argv = ["assignments", "release", "--source", str(book), "--chapters", "3", "--out", str(out)]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2 and "is not empty" in capsys.readouterr().err
    assert main([*argv, "--force"]) == 0
    assert (out / "notes.txt").read_text() == "mine" and (out / NAME).exists()


@pytest.mark.parametrize("argv, message", [
    (["--chapters", "9"], "--chapters: there is no chapter 9; choose from 3"),
    (["--chapters", "three"], "--chapters must be comma-separated chapter numbers from 3, got 'three'"),
    (["--chapters", "3", "--lang", "fr"], "--lang must be one of en, got 'fr'"),
])
def test_release_names_the_bad_argument(tmp_path, capsys, argv, message):
    book = make_book(tmp_path / "book")
    with pytest.raises(SystemExit) as exit_:
        main(["assignments", "release", "--source", str(book), "--out", str(tmp_path / "rel"), *argv])
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_without_a_clone_the_source_must_be_given(tmp_path, monkeypatch, capsys):
    assert assignments.default_source() == ROOT / "book"  # run from a clone: its book/
    monkeypatch.setattr(assignments, "__file__", str(tmp_path / "site-packages" / "densenet_lab" / "assignments.py"))
    with pytest.raises(SystemExit) as exit_:
        main(["assignments", "release", "--chapters", "3", "--out", str(tmp_path / "rel")])
    assert exit_.value.code == 2 and "pass --source PATH/TO/densenet-lab/book" in capsys.readouterr().err


def test_release_refuses_a_solution_outside_a_solution_cell(tmp_path):
    book = make_book(tmp_path / "book")
    nb = make_notebook()
    nb.cells[4].metadata.pop("nbgrader")
    nbformat.write(nb, book / "en" / NAME)
    with pytest.raises(ValueError, match="03_fixture.ipynb: Solution region detected in a non-solution cell"):
        assignments.release(book, "en", [3], tmp_path / "rel")
    assert not (tmp_path / "rel").exists()


def test_the_released_notebook_runs_up_to_the_first_unanswered_exercise(tmp_path):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    released = assignments.release_notebook(make_notebook())
    with pytest.raises(CellExecutionError, match="NotImplementedError"):
        NotebookClient(released, timeout=60, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    ran = [c.get("execution_count") is not None for c in released.cells if c.cell_type == "code"]
    # install, import, the double() cell (defines it), then the check raises NotImplementedError
    assert ran == [True, True, True, True, False, False]
    error = released.cells[5].outputs[-1]  # the check ran double(), which raised NotImplementedError
    assert error.ename == "NotAnswered" and "No answer yet" in error.evalue


# ------------------------------------------------------------------ grading: pieces


def test_submissions_are_found_in_both_layouts(tmp_path):
    (tmp_path / "ana").mkdir()
    (tmp_path / "ana" / NAME).write_text("{}")
    (tmp_path / "ana" / "notes.txt").write_text("")
    (tmp_path / "ben").mkdir()
    (tmp_path / f"cleo__{NAME}").write_text("{}")
    found = [(s, n) for s, _, n in assignments.find_submissions(tmp_path)]
    assert found == [("ana", NAME), ("ben", ""), ("cleo", NAME)]
    names = [NAME]
    assert assignments._released_name(f"Copy of {NAME}", names) == NAME
    assert assignments._released_name("03_fixture (2).ipynb", names) == NAME
    assert assignments._released_name("homework.ipynb", names) is None


def test_restore_puts_back_the_instructors_checks(tmp_path):
    source = make_notebook()
    student = assignments.release_notebook(source)
    answer(student, "fx-ex1-answer", "def double(x):\n    return 2 * x")
    answer(student, "fx-ex2-check", "pass  # I made the check pass")
    student.cells[5].metadata["nbgrader"]["points"] = 100
    del student.cells[5]  # ... and then deleted the check of exercise 1
    restored = assignments._restore(student, source)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in restored.cells]
    assert ids == [None, None, None, None, "fx-ex1-answer", "fx-ex1-check", None, "fx-ex2-answer", "fx-ex2-check",
                   None, "fx-ex3-answer"]
    assert restored.cells[5].source == CHECK_DOUBLE  # hidden tests included
    assert restored.cells[8].source == CHECK_SQUARE
    assert restored.cells[4].source == "def double(x):\n    return 2 * x"  # the student's answer stays
    assert restored.cells[7].source.endswith("raise NotImplementedError()")


@pytest.mark.parametrize("folder, argv, message", [
    ("subs", ["--lang", "fr"], "--lang must be one of en, got 'fr'"),
    ("subs", ["--timeout", "0"], "--timeout must be a number of seconds > 0, got 0"),
    ("nowhere", [], "does not exist or is not a folder"),
])
def test_grade_names_the_bad_argument(tmp_path, capsys, folder, argv, message):
    book = make_book(tmp_path / "book")
    (tmp_path / "subs").mkdir()
    with pytest.raises(SystemExit) as exit_:
        main(["assignments", "grade", str(tmp_path / folder), "--out", str(tmp_path / "g.csv"), "--source", str(book),
              *argv])
    assert exit_.value.code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "g.csv").exists()


def test_a_runner_that_hangs_is_killed_and_its_notebook_timed_out(tmp_path, monkeypatch):
    monkeypatch.setattr(assignments, "BACKSTOP_S", 1)
    hang = ["sh", "-c", "sleep 600", "sh"]  # stands for a runner that never stops: the command's tail is ignored
    source = make_notebook()
    executed, ended = assignments.execute(source, 1, tmp_path, prefix=hang)
    assert ended == {"stopped": "timeout", "cell": None}
    rows = assignments.score("s", NAME, executed, ended, 1)
    assert [(r.grade_id, r.status, r.reason) for r in rows[:2]] == [("fx-ex1-check", "error", "timed out after 1 s"),
                                                                    ("fx-ex2-check", "error", "timed out after 1 s")]


# ------------------------------------------------------------------ grading a class


def make_class(folder: Path, released: nbformat.NotebookNode) -> None:
    """A small class: right, partly right, empty, broken, and worse."""
    def submit(student: str, nb, filename: str = NAME) -> None:
        (folder / student).mkdir(parents=True)
        nbformat.write(nb, folder / student / filename)

    def copy():
        return nbformat.from_dict(nbformat.reads(nbformat.writes(released), as_version=4))

    submit("right", make_notebook())  # the instructor's own notebook: full marks
    partly = copy()
    answer(partly, "fx-ex1-answer", "def double(x):\n    return 2 * abs(x)")  # passes the visible tests only
    answer(partly, "fx-ex2-answer", "def square(x):\n    return x * x")
    answer(partly, "fx-ex3-answer", "It is concatenated, never added.")
    submit("partly", partly, f"Copy of {NAME}")
    submit("empty", copy())
    crash = copy()
    answer(crash, "fx-ex1-answer", "import os\nos._exit(1)")
    submit("crash", crash)
    endless = copy()
    answer(endless, "fx-ex1-answer", "def double(x):\n    return x + x")
    answer(endless, "fx-ex2-answer", "while True:\n    pass")
    submit("endless", endless)
    online = copy()  # reaches for the network, which grading cuts
    answer(online, "fx-ex1-answer", "def double(x):\n    import urllib.request\n"
           "    urllib.request.urlopen('http://example.com', timeout=5)\n    return 2 * x")
    submit("online", online)
    (folder / "corrupt").mkdir()
    (folder / "corrupt" / NAME).write_text('{"cells": [')
    submit("renamed", make_notebook(), "homework.ipynb")
    cheat = copy()
    answer(cheat, "fx-ex2-check", 'correct("square squares", 1);')
    answer(cheat, "fx-ex2-answer", "def square(x):\n    return 2 * x")
    del cheat.cells[5]
    answer(cheat, "fx-ex1-answer", "def double(x):\n    return 2")
    nbformat.write(cheat, folder / f"cheat__{NAME}")  # the flat layout


TIMEOUT = 25


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    book = make_book(root / "book")
    make_class(root / "submissions", assignments.release_notebook(make_notebook()))
    before = digest(root / "submissions")
    rows = assignments.grade(root / "submissions", root / "grades.csv", timeout=TIMEOUT, source=book)
    return root, book, before, rows


def by_student(rows) -> dict[str, dict[str, tuple]]:
    table: dict[str, dict[str, tuple]] = {}
    for r in rows:
        table.setdefault(r["student"], {})[r["grade_id"]] = (r["points"], r["status"], r["reason"])
    return table


@pytest.mark.slow
def test_a_class_is_graded_row_by_row(graded):
    root, _, _, _ = graded
    rows = read_rows(root / "grades.csv")
    assert list(rows[0]) == ["student", "notebook", "grade_id", "points", "max_points", "status", "reason"]
    t = by_student(rows)
    assert sorted(t) == ["cheat", "corrupt", "crash", "empty", "endless", "online", "partly", "renamed", "right"]
    assert t["right"] == {"fx-ex1-check": ("2", "passed", ""), "fx-ex2-check": ("1", "passed", ""),
                          "fx-ex3-answer": ("", "manual", "to grade by hand")}
    assert t["partly"]["fx-ex1-check"][:2] == ("0", "failed")  # the hidden tests caught it
    assert "Expected: double(-3,) = -6" in t["partly"]["fx-ex1-check"][2]
    assert "Hint: negative numbers too" in t["partly"]["fx-ex1-check"][2]
    assert t["partly"]["fx-ex2-check"] == ("1", "passed", "")
    assert t["partly"]["fx-ex3-answer"] == ("", "manual", "to grade by hand")
    assert t["empty"] == {"fx-ex1-check": ("0", "failed", "not answered"),
                          "fx-ex2-check": ("0", "failed", "not answered"),
                          "fx-ex3-answer": ("0", "failed", "not answered")}
    assert t["crash"]["fx-ex1-check"] == ("0", "error", "the kernel died")
    assert t["endless"]["fx-ex1-check"] == ("2", "passed", "")
    assert t["endless"]["fx-ex2-check"] == ("0", "error", f"timed out after {TIMEOUT} s")
    online = t["online"]["fx-ex1-check"]
    assert online[:2] == ("0", "failed") and "Got: URLError" in online[2], online
    assert {v for v in t["corrupt"].values()} == {("0", "error", "notebook is not valid JSON")}
    assert set(t["corrupt"]) == {"fx-ex1-check", "fx-ex2-check", "fx-ex3-answer"}
    assert t["renamed"] == {"": ("0", "error", f"not a released notebook name: expected one of {NAME}")}
    assert t["cheat"]["fx-ex1-check"][:2] == ("0", "failed")  # deleted, put back, and run
    assert t["cheat"]["fx-ex2-check"][:2] == ("0", "failed")  # edited, restored
    assert "Expected: square(3,) = 9" in t["cheat"]["fx-ex2-check"][2]


@pytest.mark.slow
def test_grading_reads_only_and_gives_the_same_csv_again(graded, tmp_path):
    root, book, before, _ = graded
    assert digest(root / "submissions") == before
    again = tmp_path / "again"
    for student in ("right", "endless", "corrupt"):
        shutil.copytree(root / "submissions" / student, again / student)
    code = main(["assignments", "grade", str(again), "--out", str(tmp_path / "g.csv"), "--timeout", str(TIMEOUT),
                 "--source", str(book)])
    assert code == 0
    first = [r for r in read_rows(root / "grades.csv") if r["student"] in ("right", "endless", "corrupt")]
    assert read_rows(tmp_path / "g.csv") == first
    with pytest.raises(SystemExit):  # an existing grades file is not replaced without --force
        main(["assignments", "grade", str(again), "--out", str(tmp_path / "g.csv"), "--source", str(book)])


# ------------------------------------------------------------------ the nbgrader route


def nbgrader_generate(course: Path, notebooks: list[Path]) -> subprocess.CompletedProcess:
    """Copy ``notebooks`` into an nbgrader course (source/ps1/) and run generate_assignment."""
    (course / "source" / "ps1").mkdir(parents=True)
    for path in notebooks:
        shutil.copy(path, course / "source" / "ps1" / path.name)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{course}/gradebook.db'\n"
        "c.CourseDirectory.course_id = 'densenet'\n"
    )
    # nbgrader runs the alembic command of its environment: put that environment's bin/ on PATH
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", "ps1", "--force"],
                          cwd=course, env=env, capture_output=True, text=True, timeout=600)


def released_text(course: Path) -> str:
    return "\n".join(c.source for p in sorted((course / "release" / "ps1").glob("*.ipynb"))
                     for c in nbformat.read(p, as_version=4).cells)


def test_nbgrader_generate_assignment_runs_on_the_fixture(tmp_path):
    book = make_book(tmp_path / "book")
    done = nbgrader_generate(tmp_path / "course", [book / "en" / NAME])
    assert done.returncode == 0, done.stderr[-3000:]
    text = released_text(tmp_path / "course")
    assert "def double(x)" in text and "### BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ko"])  # Chinese differs from Korean only in its text
def test_nbgrader_generate_assignment_runs_on_the_book(tmp_path, lang):
    notebooks = sorted((ROOT / "book" / lang).glob("*.ipynb"))
    done = nbgrader_generate(tmp_path / "course", notebooks)
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(list((tmp_path / "course" / "release" / "ps1").glob("*.ipynb"))) == len(notebooks)
    assert "### BEGIN SOLUTION" not in released_text(tmp_path / "course")


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])  # and Korean through our grader, below
def test_nbgrader_autograde_scores_the_fixture_without_overrides(tmp_path, lang):
    """nbgrader's own route (checksums of the locked cells, cell ids) on each edition of the fixture."""
    from nbgrader.api import Gradebook

    book = make_book(tmp_path / "book") if lang == "en" else make_editions(tmp_path / "book")
    course = tmp_path / "course"
    assert nbgrader_generate(course, [book / lang / NAME]).returncode == 0
    released = nbformat.read(course / "release" / "ps1" / NAME, as_version=4)
    right = nbformat.reads(nbformat.writes(released), as_version=4)
    answer(right, "fx-ex1-answer", "def double(x):\n    return 2 * x")
    answer(right, "fx-ex2-answer", "def square(x):\n    return x * x")
    for student, nb in (("alice", right), ("bob", released)):
        (course / "submitted" / student / "ps1").mkdir(parents=True)
        nbformat.write(nb, course / "submitted" / student / "ps1" / NAME)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", "ps1", "--force"], cwd=course, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    with Gradebook(f"sqlite:///{course}/gradebook.db", "densenet") as gb:
        scores = {s: gb.find_submission("ps1", s).score for s in ("alice", "bob")}
        assert gb.find_assignment("ps1").max_score == 5
    assert scores == {"alice": 3, "bob": 0}  # the answer in words waits for a person


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en"])
def test_a_book_chapter_grades_full_marks_solved_and_zero_untouched(tmp_path, lang):
    """Chapter 3 as the instructor wrote it (every solution in place) and as released. The other
    editions' chapters release the same exercises (test_the_books_translated_chapters_release_...)
    and grade to the same points (test_a_korean_and_a_chinese_class_get_the_english_points)."""
    chapter = ROOT / "book" / lang / "03_dense_blocks.ipynb"
    (tmp_path / "subs" / "solved").mkdir(parents=True)
    shutil.copy(chapter, tmp_path / "subs" / "solved" / chapter.name)
    assignments.release(ROOT / "book", lang, [3], tmp_path / "subs" / "untouched")
    rows = assignments.grade(tmp_path / "subs", tmp_path / "grades.csv", timeout=600, lang=lang,
                             log=lambda *_: None)
    solved = [r for r in rows if r.student == "solved"]
    assert solved and all(r.status in ("passed", "manual") for r in solved), solved
    assert sum(r.points for r in solved if r.status == "passed") == sum(r.max_points for r in solved
                                                                         if r.status == "passed")
    untouched = [r for r in rows if r.student == "untouched"]
    assert [r.grade_id for r in untouched] == [r.grade_id for r in solved]
    assert all((r.points, r.status, r.reason) == (0, "failed", "not answered") for r in untouched), untouched


# ------------------------------------------------------------------ the Korean and Chinese editions

# the fixture's markdown in each language; its code cells are the English ones, byte for byte,
# but for one cell tagged `lang` (as in the book)
MARKDOWN = {
    "ko": ["# 연습용 장", "## 연습 문제\n\n1. `double(x)`를 작성하십시오.", "2. `square(x)`를 작성하십시오.",
           "3. 고밀도 블록은 왜 입력을 유지합니까?",
           "```{admonition} 풀이\n:class: dropdown\n\n연결은 입력을 그대로 유지합니다.\n```"],
    "zh": ["# 练习用的一章", "## 练习\n\n1. 写出 `double(x)`。", "2. 写出 `square(x)`。", "3. 稠密块为什么保留它的输入？",
           "```{admonition} 答案\n:class: dropdown\n\n连结会原样保留输入。\n```"],
}


def make_edition(lang: str) -> nbformat.NotebookNode:
    """The fixture in ``lang`` ("en", "ko", "zh"): translated markdown, a `lang` cell after the imports."""
    nb = make_notebook()
    if lang != "en":
        for cell, text in zip([c for c in nb.cells if c.cell_type == "markdown"], MARKDOWN[lang]):
            cell.source = text
    setup = new_code_cell(f'from densenet_lab.book import set_language\nset_language("{lang}")',
                          metadata={"tags": ["lang"]})
    setup.id = "ch03-lang"
    nb.cells.insert(3, setup)
    return nb


def make_editions(root: Path) -> Path:
    for lang in ("en", "ko", "zh"):
        (root / lang).mkdir(parents=True)
        nbformat.write(make_edition(lang), root / lang / NAME)
    return root


@pytest.mark.parametrize("lang", ["ko", "zh"])
def test_release_lang_releases_that_editions_notebooks_the_same_way(tmp_path, lang, capsys):
    book = make_editions(tmp_path / "book")
    for edition in ("en", lang):
        assert main(["assignments", "release", "--source", str(book), "--chapters", "3", "--lang", edition,
                     "--out", str(tmp_path / edition)]) == 0
    english, translated = (nbformat.read(tmp_path / edition / NAME, as_version=4) for edition in ("en", lang))
    assert "wrote" in capsys.readouterr().out
    assert [c.cell_type for c in translated.cells] == [c.cell_type for c in english.cells]
    for en_cell, cell in zip(english.cells, translated.cells):
        assert cell.metadata.get("nbgrader") == en_cell.metadata.get("nbgrader")  # same exercises, same points
        if cell.cell_type == "code" and "lang" not in cell.metadata.get("tags", []):
            assert cell.source == en_cell.source  # the same checks, placeholders and answers removed
    text = "\n".join(c.source for c in translated.cells)
    assert MARKDOWN[lang][1] in text and f'set_language("{lang}")' in text
    assert "### BEGIN SOLUTION" not in text and MARKDOWN[lang][4].split("\n")[-2] not in text


def test_release_names_the_allowed_languages(tmp_path, capsys):
    book = make_editions(tmp_path / "book")
    with pytest.raises(SystemExit) as exit_:
        main(["assignments", "release", "--source", str(book), "--chapters", "3", "--lang", "ja",
              "--out", str(tmp_path / "rel")])
    assert exit_.value.code == 2 and "--lang must be one of en, ko, zh, got 'ja'" in capsys.readouterr().err


@pytest.mark.parametrize("lang", ["ko", "zh"])
def test_the_books_translated_chapters_release_with_the_english_exercises(tmp_path, lang):
    """Every chapter of book/<lang> releases (nbgrader's checks of cell metadata pass), with the
    English chapter's grade cells, points and released code."""
    chapters = sorted(assignments.chapter_notebooks(ROOT / "book", "en"))
    assert sorted(assignments.chapter_notebooks(ROOT / "book", lang)) == chapters
    english = assignments.release(ROOT / "book", "en", chapters, tmp_path / "en")
    translated = assignments.release(ROOT / "book", lang, chapters, tmp_path / lang)
    assert [p.name for p in translated] == [p.name for p in english]
    for en_path, path in zip(english, translated):
        en_nb, nb = nbformat.read(en_path, as_version=4), nbformat.read(path, as_version=4)
        assert nb.nbformat == 4 and nb.nbformat_minor == en_nb.nbformat_minor
        assert [c.id for c in nb.cells] == [c.id for c in en_nb.cells]
        assert [c.metadata.get("nbgrader") for c in nb.cells] == [c.metadata.get("nbgrader") for c in en_nb.cells]
        code = [(c.source, e.source) for c, e in zip(nb.cells, en_nb.cells)
                if c.cell_type == "code" and "lang" not in c.metadata.get("tags", [])]
        assert all(a == b for a, b in code), path.name


def test_colabs_copy_names_in_every_language_map_back_to_the_released_name():
    names = [NAME]
    for filename in (f"Copy of {NAME}", f"{NAME}의 사본", f"{NAME}의 사본.ipynb", f"{NAME} 의 사본.ipynb",
                     f"{NAME}的副本", f"{NAME}的副本.ipynb", f"{NAME} 的副本.ipynb", f"{NAME}의 사본 (1).ipynb",
                     "Copy of 03_fixture (2).ipynb", "03_fixture (1).ipynb"):
        assert assignments._released_name(filename, names) == NAME, filename
    for filename in ("homework.ipynb", "의 사본.ipynb", f"{NAME}의 사본의 사본", f"Kopie von {NAME}"):
        assert assignments._released_name(filename, names) is None, filename


def test_a_copy_name_without_the_suffix_is_found_as_a_submission(tmp_path):
    (tmp_path / "minji").mkdir()
    (tmp_path / "minji" / f"{NAME}의 사본").write_text("{}")
    (tmp_path / "minji" / "메모.txt").write_text("")
    (tmp_path / f"wei__{NAME}的副本").write_text("{}")
    found = [(s, n) for s, _, n in assignments.find_submissions(tmp_path)]
    assert found == [("minji", f"{NAME}의 사본"), ("wei", f"{NAME}的副本")]


@pytest.mark.parametrize("evalue", ids=["en", "ko", "zh"], argvalues=[
    "\nExpected: double(1,) to return a value\nGot:      NotImplementedError: \nHint:     run it",
    "\n기대한 값: 값을 반환하는 double(1,)\n실제 값:   NotImplementedError: \n힌트:      실행해 보십시오",
    "\n预期：double(1,) 返回一个值\n实际：NotImplementedError: \n提示：运行它",
])
def test_the_placeholder_reads_as_not_answered_in_every_language(evalue):
    assert assignments._reason("ExerciseError", evalue) == "not answered"


@pytest.mark.slow
def test_a_korean_and_a_chinese_class_get_the_english_points(tmp_path):
    """The same answers, submitted in the three editions (under Colab's copy names), get the same
    points; the reasons of a failed check come in the submission's language."""
    book = make_editions(tmp_path / "book")
    points = {}
    copy_name = {"en": f"Copy of {NAME}", "ko": f"{NAME}의 사본.ipynb", "zh": f"{NAME}的副本.ipynb"}
    for lang in ("en", "ko", "zh"):
        released = assignments.release_notebook(make_edition(lang))
        subs = tmp_path / lang
        (subs / "right").mkdir(parents=True)
        nbformat.write(make_edition(lang), subs / "right" / NAME)
        partly = nbformat.from_dict(nbformat.reads(nbformat.writes(released), as_version=4))
        answer(partly, "fx-ex1-answer", "def double(x):\n    return 2 * abs(x)")
        answer(partly, "fx-ex2-answer", "def square(x):\n    return x * x")
        (subs / "partly").mkdir()
        nbformat.write(partly, subs / "partly" / copy_name[lang])
        (subs / "empty").mkdir()
        nbformat.write(released, subs / "empty" / NAME)
        rows = assignments.grade(subs, tmp_path / f"{lang}.csv", timeout=TIMEOUT, lang=lang, source=book,
                                 log=lambda *_: None)
        points[lang] = {(r.student, r.grade_id): (r.points, r.max_points, r.status) for r in rows}
        reason = next(r.reason for r in rows if (r.student, r.grade_id) == ("partly", "fx-ex1-check"))
        assert reason.startswith({"en": "Expected: double(-3,) = -6", "ko": "기대한 값: double(-3,) = -6",
                                  "zh": "预期：double(-3,) = -6"}[lang]), reason
    assert points["en"][("right", "fx-ex1-check")] == (2.0, 2.0, "passed")
    assert points["en"][("partly", "fx-ex1-check")] == (0.0, 2.0, "failed")
    assert points["en"][("empty", "fx-ex2-check")] == (0.0, 1.0, "failed")
    assert points["ko"] == points["en"] and points["zh"] == points["en"]
