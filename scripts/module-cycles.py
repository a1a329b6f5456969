#!/usr/bin/env python3
"""Import circles between the modules of a crate.

Usage: scripts/module-cycles.py CRATE/src [...]

Reads every .rs file under each folder, takes the `crate::a::b` and
`super::x` paths of its non-test code (comments and `#[cfg(test)]` modules
left out), maps each to the longest module that exists, and prints the
strongly connected components of more than one module. References
between a module and its own ancestors or descendants are not edges (a
parent declares its children, which may use its items). Exits 1 when a
circle is found.
"""
import os
import re
import sys


def modules(root):
    mods = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            if not f.endswith(".rs"):
                continue
            path = os.path.join(dirpath, f)
            parts = os.path.relpath(path, root)[:-3].split(os.sep)
            if parts[-1] in ("mod", "lib", "main"):
                parts = parts[:-1]
            src = open(path, encoding="utf-8").read().split("#[cfg(test)]")[0]
            src = re.sub(r"//.*", "", src)
            refs = set()
            for m in re.finditer(r"\b(crate|super)((?:::\w+)+)", src):
                tail = m.group(2).strip(":").split("::")
                refs.add(tuple(tail if m.group(1) == "crate" else parts[:-1] + tail))
            mods["::".join(parts) or "crate"] = refs
    return mods


def graph(mods):
    g = {}
    for name, refs in mods.items():
        out = set()
        for r in refs:
            for k in range(len(r), 0, -1):
                target = "::".join(r[:k])
                if target in mods:
                    if target != name and not target.startswith(name + "::") and not name.startswith(target + "::"):
                        out.add(target)
                    break
        g[name] = out
    return g


def circles(g):
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g[v]):
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
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return found


def main():
    bad = False
    for root in sys.argv[1:] or ["server/src"]:
        found = circles(graph(modules(root)))
        for c in found:
            print(f"{root}: circle: {' -> '.join(c)}")
        if not found:
            print(f"{root}: no import circle")
        bad = bad or bool(found)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
