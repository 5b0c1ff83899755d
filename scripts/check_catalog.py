"""Check that every translatable string has an entry in the tracked catalog, without
rewriting it: `makemessages` runs in a temporary copy of the tree and its output is
compared with locale/<lang>/LC_MESSAGES/django.po. (The translation tests then check that
every entry there is translated and not fuzzy, and that the .mo matches.)

Usage: python scripts/check_catalog.py [language, default zh_Hans]
Exit status 1, with the strings and where they are used, if any string is missing.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
IGNORE = [".venv/*", "node_modules/*", "var/*", "tests/*"]


def _key(message) -> tuple[str, str | None]:
    msgid = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
    return msgid, message.context


def _tree_files() -> list[str]:
    """Tracked files and new files not ignored: the tree as the next commit would have it."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    return sorted({name for name in out.decode().split("\0") if name})


def _copy_tree(target: Path) -> None:
    for name in _tree_files():
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the tree is skipped
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _read(path: Path):
    with open(path, "rb") as f:
        return read_po(f)


def main(language: str = "zh_Hans") -> int:
    relative = Path("locale") / language / "LC_MESSAGES" / "django.po"
    tracked = _read(ROOT / relative)
    with tempfile.TemporaryDirectory(prefix="catalog-check-") as tmp:
        copy = Path(tmp)
        _copy_tree(copy)
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        command = [sys.executable, "manage.py", "makemessages", "-l", language, "-v0"]
        command += [f"--ignore={pattern}" for pattern in IGNORE]
        subprocess.run(command, cwd=copy, env=env, check=True)
        extracted = _read(copy / relative)
    known = {_key(message) for message in tracked if message.id}
    missing = [m for m in extracted if m.id and _key(m) not in known]
    if not missing:
        print(f"{relative}: all {len(known)} strings in use have an entry.")
        return 0
    print(f"{len(missing)} string(s) have no entry in {relative}:", file=sys.stderr)
    for message in missing:
        where = ", ".join(f"{path}:{line}" for path, line in message.locations[:3])
        print(f"  {_key(message)[0]!r}  ({where})", file=sys.stderr)
    print(
        "Add them: manage.py makemessages -l zh_Hans "
        + " ".join(f'--ignore="{pattern}"' for pattern in IGNORE)
        + ", translate them, then manage.py compilemessages.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
