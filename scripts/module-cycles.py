#!/usr/bin/env python3
"""Import circles between the modules of a crate's src/.

Usage: scripts/module-cycles.py [--files] [SRC]     (SRC: server/src)

By default a module is a top-level `NAME.rs` or `NAME/` folder; with
`--files` every file is a module of its own (`auth/login.rs` is
`auth::login`). A module depends on another when its code names it with a
`crate::…` or `super::…` path (in a `use` or in an expression); a path to an
item resolves to the deepest module it names. Test modules (`#[cfg(test)]`
to the end of the file) and comments are left out. Prints each circle
(strongly connected component of more than one module) with its edges, and
exits 1 if there is one, 0 otherwise.
"""
import os
import re
import sys

args = [a for a in sys.argv[1:] if not a.startswith("--")]
by_file = "--files" in sys.argv[1:]
root = args[0] if args else "server/src"

# Every file's module path: auth/login.rs -> ("auth", "login"); x/mod.rs -> ("x",).
files = {}
for d, _, fs in os.walk(root):
    for f in fs:
        if not f.endswith(".rs"):
            continue
        rel = os.path.relpath(os.path.join(d, f), root)[:-3].split(os.sep)
        if rel[-1] == "mod":
            rel = rel[:-1]
        if rel in (["lib"], ["main"]):
            continue
        files[tuple(rel)] = os.path.join(d, f)


def node(path):
    """The graph node of a module path."""
    return "::".join(path) if by_file else path[0]


def resolve(segments):
    """The deepest known module named by a path's leading segments."""
    for n in range(len(segments), 0, -1):
        if tuple(segments[:n]) in files:
            return tuple(segments[:n])
    return None


path_re = re.compile(r"\b(crate|super)((?:::\w+)+)")
group_re = re.compile(r"\b(crate|super)((?:::\w+)*)::\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}", re.S)


def expand(prefix, body):
    """`a, b::{c, d}` inside `prefix::{…}` -> [prefix+a, prefix+b+c, …]."""
    out, depth, item = [], 0, ""
    for ch in body + ",":
        if ch == "," and depth == 0:
            item = item.strip()
            if item:
                if "{" in item:
                    head, inner = item.split("{", 1)
                    head = [s for s in head.split("::") if s]
                    out += expand(prefix + head, inner.rsplit("}", 1)[0])
                else:
                    out.append(prefix + [s for s in item.split(" as ")[0].split("::") if s])
            item = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        item += ch
    return out


edges = {}
for path, f in files.items():
    me = node(path)
    edges.setdefault(me, set())
    with open(f, encoding="utf-8") as fh:
        text = fh.read()
    text = text.split("#[cfg(test)]")[0]
    text = re.sub(r"//[^\n]*", "", text)
    # A file's own module for `super::`: the parent of a file, of a folder's mod.rs.
    is_mod = f.endswith(os.sep + "mod.rs")
    parent = list(path) if is_mod else list(path[:-1])
    targets = []
    for kind, head, body in group_re.findall(text):
        base = [] if kind == "crate" else parent[:-1] if is_mod else parent
        base = base + [s for s in head.split("::") if s]
        targets += expand(base, body)
    for kind, rest in path_re.findall(text):
        base = [] if kind == "crate" else parent[:-1] if is_mod else parent
        targets.append(base + [s for s in rest.split("::") if s and s != "super"])
    for t in targets:
        r = resolve(t)
        if r is not None and node(r) != me:
            edges[me].add(node(r))

index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]


def visit(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in sorted(edges.get(v, ())):
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
for v in sorted(edges):
    if v not in index:
        visit(v)
circles = [c for c in sccs if len(c) > 1]
for c in circles:
    print("circle: " + ", ".join(c))
    for m in c:
        print(f"  {m} -> {', '.join(sorted(edges[m] & set(c)))}")
if not circles:
    print(f"no import circle between the {len(edges)} modules of {root}")
sys.exit(1 if circles else 0)
