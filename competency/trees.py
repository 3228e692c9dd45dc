"""Walking trees held as parent links: framework trees, imported files and the organisation alike."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

Node = TypeVar("Node")
Key = TypeVar("Key", bound=Hashable)


def depth_first(children: Mapping[Key | None, Sequence[Node]], key: Callable[[Node], Key],
                root: Key | None = None) -> list[tuple[Node, int]]:
    """Every node below `root` in display order (parents before their children), with its depth (0 at the top).

    `children` maps a parent's key to its children in the order they are shown.
    """
    out: list[tuple[Node, int]] = []
    stack = [(node, 0) for node in reversed(children.get(root, []))]
    while stack:
        node, depth = stack.pop()
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


def closes_loop(node, parent, parent_of: Callable[[Node], Node | None]) -> bool:
    """Whether giving `node` the parent `parent` would put `node` above itself.

    Walks up from `parent` by `parent_of`; compares primary keys, so an unsaved node closes no loop.
    """
    seen: set = set()
    current = parent
    while current is not None and current.pk not in seen:
        if node.pk is not None and current.pk == node.pk:
            return True
        seen.add(current.pk)
        current = parent_of(current)
    return False
