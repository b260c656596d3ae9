#!/usr/bin/python3
"""The documentation in the repository: docs/configuration.md is what the parameter table says
(`nfcs info --params --markdown`), every document the README links exists, and nothing points
outside the repository."""
import os
import re

from nfcs_testlib import SOURCE_DIR, Checker, run

c = Checker()
ref = os.path.join(SOURCE_DIR, "docs", "configuration.md")
p = run(["info", "--params", "--markdown"], check=0)
c.check(os.path.exists(ref) and open(ref).read() == p.stdout,
        "docs/configuration.md differs from the parameter table: regenerate it with "
        "build/nfcs info --params --markdown > docs/configuration.md")
keys = re.findall(r"^\| `([a-z_0-9.]+)` \|", p.stdout, re.M)
c.check(len(keys) > 60 and "cgl.time_step" in keys and "kuramoto.ensemble" in keys, f"{len(keys)} keys in the reference")
readme = open(os.path.join(SOURCE_DIR, "README.md")).read()
for link in re.findall(r"\]\(((?:docs|configs)/[^)#]+)\)", readme):
    c.check(os.path.exists(os.path.join(SOURCE_DIR, link)), f"README links {link}, which is not in the repository")
for name in ("architecture.md", "file-format.md", "configuration.md", "validation.md", "testing.md"):
    c.check(f"docs/{name}" in readme, f"README links docs/{name}")
for path in ["README.md"] + [os.path.join("docs", f) for f in os.listdir(os.path.join(SOURCE_DIR, "docs")) if f.endswith(".md")]:
    text = open(os.path.join(SOURCE_DIR, path)).read()
    c.check("../shared" not in text, f"{path} points outside the repository (../shared)")
c.done()
