"""What the notebooks share: where the repository is, how to run `engage`, and a Japanese
font for matplotlib.

`engage` is $ENGAGE_BIN when set, else the repository's target/debug/engage (built by the
README's commands), else `cargo run -p engage-cli --`. Outputs go under notebooks/_out/,
which git ignores.
"""

import os
import pathlib
import shutil
import subprocess

import matplotlib
from matplotlib import font_manager

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
OUT = ROOT / "notebooks" / "_out"


def engage_command() -> list[str]:
    if os.environ.get("ENGAGE_BIN"):
        return [os.environ["ENGAGE_BIN"]]
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    built = target / "debug" / "engage"
    if built.exists():
        return [str(built)]
    return ["cargo", "run", "-q", "--manifest-path", str(ROOT / "Cargo.toml"), "-p", "engage-cli", "--"]


def engage(*args: str) -> str:
    """Runs engage with `args`; raises with its stderr when it fails."""
    done = subprocess.run(engage_command() + ["-q", *map(str, args)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"engage {' '.join(map(str, args))} failed:\n{done.stderr}")
    return done.stderr


def fresh(name: str) -> pathlib.Path:
    """An empty output folder notebooks/_out/<name>."""
    path = OUT / name
    shutil.rmtree(path, ignore_errors=True)
    shutil.rmtree(path.with_name(name + "-private"), ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def japanese_font() -> str | None:
    """Uses the first installed Japanese font for matplotlib's text and returns its name (None:
    labels will show as boxes; install fonts-noto-cjk)."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in ["Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic", "IPAGothic", "Hiragino Sans", "Yu Gothic", "Meiryo"]:
        if name in installed:
            matplotlib.rcParams["font.family"] = name
            return name
    return None
