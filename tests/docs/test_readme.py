"""The README's Try-it blocks (memory profile), run as written against a live server, print
what the README shows. Left out: the blocks that start servers (`make run`, `make
redis-start`, `make pg-start`: the test starts its own server) and the Redis and PostgreSQL
walk-throughs (`redis-cli` against the Redis a reader starts; they need the machine's port
6379 and 55432)."""

import os
import shutil
from pathlib import Path

import pytest

from tests.docs.readme import Example, differences, examples, matches, readme_path, run
from tests.support.app_server import running_app

README = readme_path().read_text()
SERVER = {"ADMIN_TOKEN": "demo-admin-token-change-me", "OTP_EXPOSE_CODE": "true"}


def test_the_try_it_blocks_print_what_the_readme_shows(tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("curl is missing: the README's examples need it")
        pytest.skip("curl is missing: the README's examples need it")
    found = examples(README)
    assert len(found) >= 5, "the README lost its checked examples"

    with running_app({**SERVER, "APP_PROFILE": "memory"}, log=tmp_path / "server.log") as app:
        printed = run(found, app.url)

    problems = [line for example, lines in zip(found, printed, strict=True)
                for line in differences(example, lines)]  # fmt: skip
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("expected", "printed", "same"),
    [
        ('{"id":1,"created_at":"..."}', '{"id":1,"created_at":"2026-12-05T13:26:09.153Z"}', True),
        ('{"id":1,"created_at":"..."}', '{"id":2,"created_at":"2026-12-05T13:26:09.153Z"}', False),
        ("x-cache: HIT", "x-cache: HIT", True),
        ("x-cache: HIT", "x-cache: MISS", False),
        ("a.b", "axb", False),  # only `...` is a wildcard
        ("...", "", True),
    ],
)
def test_three_dots_stand_for_any_text_and_nothing_else(
    expected: str, printed: str, same: bool
) -> None:
    assert matches(expected, printed) is same


def test_a_block_that_prints_more_or_less_than_shown_is_a_difference() -> None:
    example = Example(line=7, commands="true", expected=["one", "two"])

    assert differences(example, ["one", "two"]) == []
    assert differences(example, ["one"])[0] == "README.md:7: the block printed"
    assert differences(example, ["one", "two", "three"]) != []


def test_a_mark_without_a_shell_block_is_refused() -> None:
    with pytest.raises(ValueError, match="not followed by"):
        examples("<!-- try -->\n```python\nprint(1)\n```\n")
