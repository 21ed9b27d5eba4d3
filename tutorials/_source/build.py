"""Build the tutorial notebooks from their plain-text sources.

Each ``tutorials/_source/<level>/<name>.py`` is a notebook written as text (and
``_index/index.py`` is ``tutorials/index.ipynb``), in the
"percent" layout: a line ``# %%`` starts a code cell, ``# %% [markdown]`` a markdown
cell (its lines are plain markdown, not comments), and ``# %% [quiz-helper]`` inserts
the shared self-check helper defined below. Run

    python tutorials/_source/build.py          # writes tutorials/<level>/<name>.ipynb
    python tutorials/_source/build.py --check  # exit 1 when a notebook is out of date

The notebooks are committed without outputs; edit the sources, not the .ipynb files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TUTORIALS = HERE.parent

QUIZ_HELPER = '''\
# The self-check helper: buttons with instant feedback where widgets work,
# plain text (and check(question, letter)) everywhere else.
from IPython.display import display


def quiz(questions):
    """questions: [(question, [choices], index_of_correct, why), ...]"""
    global check
    letters = "abcdefgh"

    def feedback(number, picked):
        question, choices, right, why = questions[number - 1]
        verdict = "Correct!" if picked == right else f"Not quite: the answer is ({letters[right]})."
        return f"{verdict} {why}"

    def check(number, letter):
        """Text mode: check(1, "b") checks answer (b) to question 1."""
        print(feedback(number, letters.index(letter.strip().lower())))

    text = []
    for number, (question, choices, right, why) in enumerate(questions, 1):
        text.append(f"{number}. {question}")
        text += [f"   ({letters[i]}) {choice}" for i, choice in enumerate(choices)]
    text.append('\\nAnswer with check(1, "a") in a new cell, or use the buttons where widgets work.')
    plain = "\\n".join(text)
    try:
        import ipywidgets as widgets
    except ImportError:
        print(plain)
        return
    boxes = []
    for number, (question, choices, right, why) in enumerate(questions, 1):
        out = widgets.Output()

        def on_click(button, number=number, out=out):
            out.clear_output()
            with out:
                print(feedback(number, button.index))

        buttons = []
        for i, choice in enumerate(choices):
            button = widgets.Button(description=f"({letters[i]}) {choice}",
                                    layout=widgets.Layout(width="auto"), tooltip=choice)
            button.index = i
            button.on_click(on_click)
            buttons.append(button)
        boxes.append(widgets.VBox([widgets.HTML(f"<b>{number}. {question}</b>"), *buttons, out]))
    bundle = widgets.VBox(boxes)._repr_mimebundle_()
    bundle["text/plain"] = plain  # what a viewer without widgets shows
    display(bundle, raw=True)'''


def parse(text: str) -> list[dict[str, object]]:
    cells: list[dict[str, object]] = []
    kind: str | None = None
    lines: list[str] = []

    def flush() -> None:
        if kind is None:
            return
        source = "\n".join(lines).strip("\n")
        if kind == "quiz-helper":
            source = QUIZ_HELPER
        cell: dict[str, object] = {"cell_type": "markdown" if kind == "markdown" else "code",
                                   "metadata": {}, "source": source}
        if cell["cell_type"] == "code":
            cell.update(execution_count=None, outputs=[])
        cells.append(cell)

    for line in text.splitlines():
        if line.startswith("# %%"):
            flush()
            marker = line[4:].strip()
            kind = {"": "code", "[markdown]": "markdown", "[quiz-helper]": "quiz-helper"}[marker]
            lines = []
        else:
            lines.append(line)
    flush()
    return cells


def notebook(source: Path) -> str:
    cells = parse(source.read_text(encoding="utf-8"))
    for index, cell in enumerate(cells):
        cell["id"] = f"{source.stem[:24]}-{index:02d}"
        text = str(cell["source"])
        cell["source"] = text.splitlines(keepends=True)
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python", "pygments_lexer": "ipython3"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    stale = []
    for source in sorted(HERE.glob("*/*.py")):
        folder = "" if source.parent.name == "_index" else source.parent.name  # _index/index.py -> tutorials/index.ipynb
        target = TUTORIALS / folder / (source.stem + ".ipynb")
        text = notebook(source)
        if "--check" in argv:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                stale.append(str(target.relative_to(TUTORIALS.parent)))
            continue
        target.parent.mkdir(exist_ok=True)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            print("wrote", target.relative_to(TUTORIALS.parent))
    if stale:
        print("out of date (run python tutorials/_source/build.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
