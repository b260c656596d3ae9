"""Helpers for the Python tests: run the nfcs binary, write configs and files."""
import os
import subprocess
import tempfile

NFCS = os.environ.get("NFCS", "nfcs")
SOURCE_DIR = os.environ.get("NFCS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), ".."))


def run(args, cwd=None, check=None):
    p = subprocess.run([NFCS] + list(args), cwd=cwd, capture_output=True, text=True, timeout=600)
    if check is not None and p.returncode != check:
        raise AssertionError(f"nfcs {' '.join(args)}: exit {p.returncode}, expected {check}\n"
                             f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def tmpdir():
    return tempfile.mkdtemp(prefix="nfcs-test-")


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


class Checker:
    """Collects failures so that one run reports all of them."""

    def __init__(self):
        self.failures = 0
        self.passed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failures += 1
            print(f"FAIL: {what}")

    def done(self):
        print(f"{self.passed} passed, {self.failures} failed")
        raise SystemExit(1 if self.failures else 0)
