"""The call tree walked as stacks: what the stack-based formats are made of."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Profile, TreeNode

Labelled = tuple[str, Profile]  # a profile and the name it goes by in a multi-profile file


def tree_of(profile: Profile, label: str) -> TreeNode:
    """The profile's call tree, or (when it has none, e.g. imported line-only data) one node
    holding its wall time."""
    if profile.tree is not None:
        return profile.tree
    return TreeNode(name=label, file=label, line=1, time_s=profile.timing.wall_s, self_s=profile.timing.wall_s)


def where(node: TreeNode) -> str:
    return f"{node.file}:{node.line}" if node.file else ""


def stacks(root: TreeNode) -> Iterator[tuple[list[TreeNode], float]]:
    """(path from the root, self time) for every node with self time, depth first."""
    todo: list[tuple[TreeNode, list[TreeNode]]] = [(root, [root])]
    while todo:
        node, path = todo.pop()
        if node.self_s > 0:
            yield path, node.self_s
        for child in reversed(node.children):
            todo.append((child, [*path, child]))
