#!/usr/bin/env python3
"""Every subcommand that `vigil --help` lists answers --help and has a man page, and every man
page renders without warnings. Usage: test_help_man.py VIGIL MAN_DIR"""
import os
import re
import subprocess
import sys

vigil, man_dir = sys.argv[1], sys.argv[2]
top = subprocess.run([vigil, "--help"], capture_output=True, text=True, check=True).stdout
section = top.split("Subcommands:", 1)[1]
commands = re.findall(r"^\s+([a-z][a-z-]*)\s", section, re.M)
assert commands, top
failures = []
if not os.path.exists(os.path.join(man_dir, "vigil.1")):
    failures.append("man/vigil.1 is missing")
for c in commands:
    h = subprocess.run([vigil, c, "--help"], capture_output=True, text=True)
    if h.returncode != 0 or "Usage" not in h.stdout:
        failures.append(f"vigil {c} --help failed")
    page = os.path.join(man_dir, f"vigil-{c}.1")
    if not os.path.exists(page):
        failures.append(f"man/vigil-{c}.1 is missing")
        continue
    with open(page, encoding="utf-8") as f:
        text = f.read()
    if f"vigil-{c}" not in text and f"vigil {c}" not in text:
        failures.append(f"{page} does not name its command")
    # Every long option of --help is documented in the page.
    for opt in set(re.findall(r"(--[a-z][a-z-]+)", h.stdout)) - {"--help"}:
        if opt.replace("-", r"\-") not in text and opt not in text:
            failures.append(f"{page} does not document {opt}")
print("\n".join(failures) or f"{len(commands)} subcommands: help and man pages present")
sys.exit(1 if failures else 0)
