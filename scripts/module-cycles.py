#!/usr/bin/env python3
"""Import circles between the top-level modules of a crate.

Usage: scripts/module-cycles.py [CRATE_SRC_DIR ...]   (default: server/src)

Each `.rs` file belongs to the top-level module of its path (src/hub/ws.rs
belongs to `hub`, src/state.rs to `state`). Every `crate::a::…` path in a
file, in `use` declarations or in code, is an edge from its module to `a`.
A module using its own children (`super::`, `self::`) is no edge. The script
prints each strongly connected component of more than one module, with one
file:line per edge inside it, and exits 1 if there is any; 0 otherwise.
"""

import re
import sys
from pathlib import Path

PATH = re.compile(r"\bcrate::([a-z_][a-z0-9_]*)")
# `use crate::{a, b::c, …}` — the names listed at the top of the braces.
GROUP = re.compile(r"\bcrate::\{([^}]*)\}", re.S)
COMMENT = re.compile(r"//.*")


def top_module(src: Path, file: Path) -> str:
    rel = file.relative_to(src)
    head = rel.parts[0]
    return head[:-3] if head.endswith(".rs") else head


def edges(src: Path):
    modules = {top_module(src, f) for f in src.rglob("*.rs")} - {"lib", "main"}
    out = {}
    for f in sorted(src.rglob("*.rs")):
        me = top_module(src, f)
        text = f.read_text(encoding="utf-8")
        lines = [COMMENT.sub("", l) for l in text.splitlines()]
        code = "\n".join(lines)
        found = []
        for m in PATH.finditer(code):
            found.append((m.group(1), code.count("\n", 0, m.start()) + 1))
        for m in GROUP.finditer(code):
            line = code.count("\n", 0, m.start()) + 1
            for item in m.group(1).split(","):
                name = item.strip().split("::")[0].strip()
                if name:
                    found.append((name, line))
        for target, line in found:
            if target in modules and target != me and me not in ("lib", "main"):
                out.setdefault((me, target), f"{f}:{line}")
    return modules, out


def sccs(nodes, adj):
    index, low, stack, on, result = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in adj.get(v, ()):
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
            result.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return result


def main() -> int:
    dirs = [Path(a) for a in sys.argv[1:]] or [Path("server/src")]
    bad = 0
    for src in dirs:
        modules, e = edges(src)
        adj = {}
        for a, b in e:
            adj.setdefault(a, set()).add(b)
        for comp in sccs(modules, adj):
            if len(comp) < 2:
                continue
            bad += 1
            print(f"{src}: import circle between {', '.join(comp)}")
            for (a, b), where in sorted(e.items()):
                if a in comp and b in comp:
                    print(f"  {a} -> {b}  ({where})")
        n = len(e)
        print(f"{src}: {len(modules)} modules, {n} dependencies between them")
    if bad:
        return 1
    print("no import circle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
