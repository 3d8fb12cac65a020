"""Headless Chromium for the browser tests: Debian's package, driven by Playwright.

`python -m certinel.core.testing.browser --ensure` installs Debian's chromium when it is missing
and this process may install packages; otherwise it says why the browser tests will be skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

CHROMIUM = os.environ.get("CERTINEL_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
               "--no-first-run", "--disable-component-update", "--disable-sync"]


def available() -> bool:
    return os.path.exists(CHROMIUM)


def go_available() -> bool:
    return bool(shutil.which("go")) and os.path.isdir("/usr/share/gocode/src/golang.org/x/mod")


def extras_available() -> bool:
    """The Chinese font the PDF tests embed and poppler, which renders PDFs for them."""
    return os.path.isdir("/usr/share/fonts/opentype/noto") and bool(shutil.which("pdftoppm"))


def ensure() -> int:
    if available() and go_available() and extras_available():
        return 0
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print(f"Chromium (at {CHROMIUM}), Go (golang-go, golang-golang-x-mod-dev), fonts-noto-cjk or poppler-utils "
              "is missing and this user "
              "cannot install Debian packages: the tests that need them will be skipped.")
        return 0
    print("Installing Debian's chromium and Go for the browser and interoperability tests …", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    result = subprocess.run(["apt-get", "install", "-y", "-qq", "chromium", "fonts-noto-cjk", "poppler-utils",
                             "golang-go", "golang-golang-x-mod-dev"],
                            check=False, env=env)
    if result.returncode != 0 or not available():
        print("Could not install chromium: the browser tests will be skipped.")
    return 0


if __name__ == "__main__":
    sys.exit(ensure() if "--ensure" in sys.argv else (0 if available() else 1))
