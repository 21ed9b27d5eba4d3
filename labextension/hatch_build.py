"""The wheel/sdist build step for the labextension (hatch-jupyter-builder's build function).

Wheels and sdists: build panel/ (the shared views) then labextension/ into
perfnb/labextension/ with npm (hatch-jupyter-builder's npm_builder), unless the
built files are already there (an sdist carries them: no Node needed).

Editable installs build nothing: `make frontend` builds both packages and links the
labextension into the environment (`jupyter labextension develop`), so `pip install -e .`
never runs npm in a working tree.
"""

from __future__ import annotations

from typing import Any


def build(target_name: str, version: str, **kwargs: Any) -> None:
    if version == "editable":
        print("perfnb: editable install, labextension not built here (run `make frontend`)")
        return
    from hatch_jupyter_builder import npm_builder

    npm_builder(target_name, version, **kwargs)
