"""Walking trees held as parent links, and the one loop check for every tree Proficio keeps:
competencies below competencies, org units below org units, people below their managers, and the
same trees as read from imported files.

Nodes are named by keys (primary keys, codes, employee ids); `parent_of` gives a key's parent key,
or None at the top.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

Node = TypeVar("Node")
Key = TypeVar("Key", bound=Hashable)
ParentOf = Callable[[Key], Key | None]


def depth_first(children: Mapping[Key | None, Sequence[Node]], key: Callable[[Node], Key],
                root: Key | None = None) -> list[tuple[Node, int]]:
    """Every node below `root` in display order (parents before their children), with its depth (0 at the top).

    `children` maps a parent's key to its children in the order they are shown. A node met twice (which
    only a loop can cause) is not walked again.
    """
    out: list[tuple[Node, int]] = []
    seen: set = set()
    stack = [(node, 0) for node in reversed(children.get(root, []))]
    while stack:
        node, depth = stack.pop()
        if key(node) in seen:
            continue
        seen.add(key(node))
        out.append((node, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(key(node), [])))
    return out


def subtree(parent_links: Iterable[tuple[Key, Key | None]], root: Key) -> set[Key]:
    """`root` and everything below it, from (key, parent key) pairs."""
    children: dict[Key | None, list[Key]] = defaultdict(list)
    for key, parent in parent_links:
        children[parent].append(key)
    found: set[Key] = set()
    stack = [root]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


def loops(starts: Iterable[Key], parent_of: ParentOf) -> list[list[Key]]:
    """Every loop reached by walking up from `starts`, each reported once, in walk order.

    A node already known to reach the top (or a loop) is not walked again, so checking every node of
    a tree costs one step per node.
    """
    finished: set = set()
    found: list[list[Key]] = []
    for start in starts:
        path: list[Key] = []
        position: dict = {}
        node = start
        while node is not None and node not in finished:
            if node in position:
                found.append(path[position[node]:])
                break
            position[node] = len(path)
            path.append(node)
            node = parent_of(node)
        finished.update(path)
    return found


def closes_loop(node: Key | None, new_parent: Key | None, parent_of: ParentOf) -> bool:
    """Whether giving `node` the parent `new_parent` would put `node` above itself.

    Walks up from `new_parent`; an unsaved node (None) closes no loop.
    """
    if node is None:
        return False
    seen: set = set()
    current = new_parent
    while current is not None and current not in seen:
        if current == node:
            return True
        seen.add(current)
        current = parent_of(current)
    return False


_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """Sorts codes as people read them: L1.2 before L1.10, SV-9 before SV-10."""
    # Only decimal digits, and not too many of them, are read as a number (int() refuses "²", and a
    # run of thousands of digits); anything else sorts as text.
    return tuple((0, int(part), "") if part.isdecimal() and len(part) <= 18 else (1, 0, part.lower())
                 for part in _DIGITS.split(text or "") if part)


def parent_in_db(queryset, field: str = "parent_id") -> ParentOf:
    """`parent_of` for rows of `queryset`: each step reads the parent as the database has it now."""
    return lambda pk: queryset.filter(pk=pk).values_list(field, flat=True).first()
