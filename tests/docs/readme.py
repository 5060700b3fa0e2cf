"""The README's checked examples: the shell blocks marked `<!-- try -->`, each with the output
block that follows it, run in order by one shell against a live server.

A block to check is written

    <!-- try -->
    ```sh
    curl -s $API/healthz -w '\\n'
    ```
    ```text
    {"status":"ok"}
    ```

The `text` block is what the commands print, line by line; `...` inside a line stands for
any text (an id, a token, a time). A marked block without a `text` block must print nothing.
Blocks run in one shell, in order, so variables set in one are seen by the next; every
`http://127.0.0.1:8000` is replaced by the server under test.
"""

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Final

MARK: Final = "<!-- try -->"
_BLOCK: Final = re.compile(
    r"<!-- try -->\n```sh\n(?P<commands>.*?)```\n(?:```text\n(?P<output>.*?)```\n)?", re.DOTALL
)
_SEPARATOR: Final = "@@readme-block@@"
DEFAULT_API: Final = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Example:
    """One checked block: where it starts in the README, its commands, what it must print."""

    line: int
    commands: str
    expected: list[str]


def examples(readme: str) -> list[Example]:
    found = [
        Example(
            line=readme.count("\n", 0, match.start()) + 1,
            commands=match["commands"],
            expected=(match["output"] or "").splitlines(),
        )
        for match in _BLOCK.finditer(readme)
    ]
    if len(found) != readme.count(MARK):
        raise ValueError(f"a {MARK} mark is not followed by a ```sh block")
    return found


def run(found: list[Example], api: str, *, timeout: float = 120) -> list[list[str]]:
    """Run every block in one bash, in order; what each printed, line by line."""
    script = "".join(
        f"echo {_SEPARATOR}\n{example.commands.replace(DEFAULT_API, api)}\n" for example in found
    )
    done = subprocess.run(
        ["bash", "--noprofile", "--norc"],  # noqa: S607 - the README's own examples
        input=script,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    printed = done.stdout.split(f"{_SEPARATOR}\n")[1:]
    if len(printed) != len(found):
        raise AssertionError(f"the shell stopped early:\n{done.stdout}\n{done.stderr}")
    return [block.splitlines() for block in printed]


def matches(expected: str, printed: str) -> bool:
    """Whether a printed line is the expected one, `...` standing for any text."""
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, printed) is not None


def differences(example: Example, printed: list[str]) -> list[str]:
    """How what a block printed departs from what the README shows (empty when it matches)."""
    if len(printed) == len(example.expected) and all(
        matches(want, got) for want, got in zip(example.expected, printed, strict=True)
    ):
        return []
    return [
        f"README.md:{example.line}: the block printed",
        *(f"    {line}" for line in printed),
        "  where the README shows",
        *(f"    {line}" for line in example.expected),
    ]


def readme_path() -> Path:
    return Path(__file__).resolve().parents[2] / "README.md"
