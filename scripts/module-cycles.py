#!/usr/bin/env python3
"""Import circles between the top-level modules of a crate's src/.

Usage: scripts/module-cycles.py [server/src]

A module is a top-level `NAME.rs` or `NAME/` folder; it depends on another
when its code names `crate::OTHER` (in a `use` or a path). Test modules
(`#[cfg(test)]` to the end of the file) are left out. Prints each circle
(strongly connected component of more than one module) and exits 1 if there
is one, 0 otherwise.
"""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "server/src"
modules = {}
for entry in os.listdir(root):
    path = os.path.join(root, entry)
    if entry.endswith(".rs") and entry not in ("lib.rs", "main.rs"):
        modules[entry[:-3]] = [path]
    elif os.path.isdir(path):
        files = [os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs if f.endswith(".rs")]
        modules[entry] = files

crate_ref = re.compile(r"\bcrate::(\w+)")
# `use crate::{a, b::c}` groups.
group = re.compile(r"\bcrate::\{([^}]*)\}", re.S)
edges = {m: set() for m in modules}
for name, files in modules.items():
    for f in files:
        with open(f, encoding="utf-8") as fh:
            text = fh.read()
        text = text.split("#[cfg(test)]")[0]
        text = re.sub(r"//[^\n]*", "", text)
        deps = set(crate_ref.findall(text))
        for g in group.findall(text):
            deps.update(re.findall(r"(?:^|,)\s*(\w+)", g))
        edges[name].update(d for d in deps if d in modules and d != name)

# Tarjan's strongly connected components.
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
def visit(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in sorted(edges[v]):
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        sccs.append(sorted(comp))

sys.setrecursionlimit(10000)
for v in sorted(modules):
    if v not in index:
        visit(v)
circles = [c for c in sccs if len(c) > 1]
for c in circles:
    inner = {m: sorted(edges[m] & set(c)) for m in c}
    print("circle: " + ", ".join(c))
    for m in c:
        print(f"  {m} -> {', '.join(inner[m])}")
if not circles:
    print(f"no import circle between the {len(modules)} modules of {root}")
sys.exit(1 if circles else 0)
