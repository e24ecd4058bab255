"""Front-matter: the YAML between the ``---`` lines, read safely (no
aliases, no implicit timestamps, bounded nesting), every problem located.
"""

from __future__ import annotations

import re
from typing import Any

import frontmatter
import yaml

from digest.errors import Diagnostic
from digest.formats.frontmatter_fast import fast_front_matter

MAX_DEPTH = 20
"""Nesting of front-matter values (the top-level mapping is level 1)."""

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _AliasError(Exception):
    """A YAML alias in front-matter; the node it repeats starts on ``line`` (0-based)."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _DuplicateKeyError(Exception):
    """A key given twice in one mapping: at ``line``, first at ``first`` (both 0-based)."""

    def __init__(self, key: str, line: int, first: int) -> None:
        super().__init__(key, line, first)
        self.key, self.line, self.first = key, line, first


class FrontMatterLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML without implicit timestamps: we parse dates ourselves, with our messages
    (PyYAML would raise a bare ValueError for ``2013-02-30``). Aliases are refused: a few
    lines of them (a "billion laughs") expand to more data than any machine holds for
    whatever walks or copies the values. A key given twice is refused: PyYAML keeps the
    last value without a word, and the user meant one of them."""

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        # Every node is constructed once; meeting one again means an alias repeats it.
        if node in self.constructed_objects or node in self.recursive_objects:
            raise _AliasError(node.start_mark.line)
        return super().construct_object(node, deep)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: dict[tuple[str, str], int] = {}
            for key_node, _value in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                ident, line = (key_node.tag, key_node.value), key_node.start_mark.line
                if ident in seen:
                    raise _DuplicateKeyError(str(key_node.value), line, seen[ident])
                seen[ident] = line
        return super().construct_mapping(node, deep)


FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}

FM_HANDLER = frontmatter.YAMLHandler()
_KEY_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)\s*:", re.MULTILINE)


def decode_text(rel: str, data: bytes) -> tuple[str | None, Diagnostic | None]:
    """UTF-8 text with a BOM dropped and line endings made ``\\n``; invalid UTF-8 is an error."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Diagnostic(rel, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x})")
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, None


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front-matter YAML, body, line where the body starts), or None when the text does not
    open with a ``---`` line or never closes it."""
    if not FM_HANDLER.detect(text):
        return None
    try:
        fm, body = FM_HANDLER.split(text)
    except ValueError:
        return None
    # ``fm`` starts with the newline that ends line 1 (the opening ``---``) and ends with
    # the one before the closing ``---``; ``body`` starts with the newline after it.
    body_line = fm.count("\n") + 2
    return fm, body[1:] if body.startswith("\n") else body, body_line


def _unconstructable(fm_text: str) -> tuple[int, str]:
    """(line, key) of the first top-level value PyYAML cannot construct, or (1, '')."""
    try:
        node = yaml.compose(fm_text, Loader=FrontMatterLoader)
    except Exception:  # the composer failing too leaves nothing more precise to say
        return 1, ""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            try:
                FrontMatterLoader("").construct_object(value_node, deep=True)
            except Exception:
                return key_node.start_mark.line + 1, str(key_node.value)
    return 1, ""


def load_yaml(rel: str, fm_text: str) -> tuple[dict[str, Any], Diagnostic | None]:
    meta = fast_front_matter(fm_text, FrontMatterLoader)  # None: not sure, PyYAML decides
    if meta is not None:  # a non-empty mapping of scalars and lists of them: no checks due
        return meta, None
    try:
        meta = yaml.load(fm_text, Loader=FrontMatterLoader)
    except _AliasError as exc:
        message = "YAML anchors and aliases are not allowed in front-matter"
        return {}, Diagnostic(rel, exc.line + 1, message)
    except _DuplicateKeyError as exc:
        message = f"{exc.key}: given twice (first on line {exc.first + 1})"
        return {}, Diagnostic(rel, exc.line + 1, message)
    except yaml.MarkedYAMLError as exc:
        # A value nested too deep gets the message of the check below whichever layer
        # refuses it first: libyaml's own limit, or an error after the value.
        mark = exc.problem_mark or exc.context_mark
        too_deep = _too_deep_problem(rel, fm_text, mark.line + 1 if mark else 1)
        if too_deep is not None:
            return {}, too_deep
        # The context mark points at what was left open (a ``[`` or a key), which is
        # where the user has to look; the problem mark is often the end of the text.
        mark = exc.context_mark or exc.problem_mark
        line = mark.line + 1 if mark is not None else 1
        what = ": ".join(p for p in (exc.context, exc.problem) if p) or "malformed"
        return {}, Diagnostic(rel, line, f"invalid YAML in front-matter: {what}")
    except yaml.YAMLError as exc:
        return {}, Diagnostic(rel, 1, f"invalid YAML in front-matter: {exc}")
    except RecursionError:  # pure-Python PyYAML (no libyaml) composes recursively
        too_deep = _too_deep_problem(rel, fm_text, 1)
        return {}, too_deep or Diagnostic(rel, 1, "invalid YAML in front-matter: nested too deeply")
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        # PyYAML's constructors raise plain errors when a value does not fit its type
        # (``!!int 'abc'``, an untagged ``0x_``): still the user's input, never a traceback.
        line, key = _unconstructable(fm_text)
        where = f"{key}: " if key else ""
        return {}, Diagnostic(
            rel, line, f"{where}invalid YAML value in front-matter ({type(exc).__name__}: {exc})"
        )
    if meta is None:
        return {}, Diagnostic(rel, 1, "front-matter is empty (title, source, date and url needed)")
    if not isinstance(meta, dict):
        return {}, Diagnostic(
            rel, 2, f"front-matter must be a mapping of keys to values, not {yaml_kind(meta)}"
        )
    for key, value in meta.items():
        if _too_deep(value, MAX_DEPTH - 1):
            return {}, _too_deep_diagnostic(rel, fm_text, key)
    return meta, None


def _too_deep_diagnostic(rel: str, fm_text: str, key: Any) -> Diagnostic:
    line = key_lines(fm_text).get(key, 1) if isinstance(key, str) else 1
    return Diagnostic(rel, line, f"{key}: nested more than {MAX_DEPTH} levels deep")


def _too_deep_problem(rel: str, fm_text: str, line: int) -> Diagnostic | None:
    """``load_yaml``'s own nesting message, for front-matter YAML refused before that check
    could see the value: libyaml's own limit (1,000 levels, since the libyaml of PyYAML
    6.0.4), pure-Python PyYAML's recursion, or any error met after a value already nested too
    deep. At the first top-level key whose value is too deep; at ``line`` when a key itself
    is. None when nothing nests too deep before the error."""
    outcome, key, depth = _walk_depth(fm_text, _BaseLoader)
    if outcome == "limit" and depth == 0:
        # libyaml refused the first node before any event of it: the pure-Python parser has
        # no limit and needs no recursion, and is quick here, the deep part being at the start.
        outcome, key, depth = _walk_depth(fm_text, yaml.SafeLoader)
    if outcome == "list":  # what the check after loading says of it
        return Diagnostic(rel, 2, "front-matter must be a mapping of keys to values, not a list")
    if outcome is None:
        return None
    if key is not _NO_KEY:
        return _too_deep_diagnostic(rel, fm_text, key)
    return Diagnostic(rel, line, f"front-matter nested more than {MAX_DEPTH} levels deep")


_NESTING_LIMIT = "maximum nesting depth"
"""What libyaml's own nesting limit says (the ``problem`` of its ScannerError)."""
_NO_KEY = object()


def _walk_depth(fm_text: str, loader_class: type) -> tuple[str | None, Any, int]:
    """(outcome, key, depth) of reading the parser events of ``fm_text`` until a level is
    more than ``MAX_DEPTH`` deep. Outcome: "deep" (in the value of top-level ``key``, or in a
    key: ``_NO_KEY``), "list" (in a top-level list), "limit" (libyaml's nesting limit, which
    it meets before handing over the events of a flow collection still open on the line:
    ``key`` is the top-level key whose value was being read, ``depth`` the depth reached in
    the events), or None (an other error, or nothing too deep)."""
    loader = FrontMatterLoader("")
    depth, key, is_key, top_list = 0, _NO_KEY, True, False
    try:
        for event in yaml.parse(fm_text, Loader=loader_class):
            if isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue  # stream and document starts and ends
            if depth == 0:
                top_list = isinstance(event, yaml.SequenceStartEvent)
            elif depth == 1 and not top_list:  # key, value, key, value ... of the top mapping
                if is_key:
                    key = _scalar_key(loader, event)
                is_key = not is_key
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return ("list" if top_list else "deep"), key, depth
    except yaml.MarkedYAMLError as exc:
        if _NESTING_LIMIT in (exc.problem or ""):
            if top_list:
                return "list", _NO_KEY, depth
            in_value = depth > 1 or (depth == 1 and not is_key)
            return "limit", (key if in_value else _NO_KEY), depth
    except yaml.YAMLError:
        pass
    return None, _NO_KEY, depth


def _scalar_key(loader: Any, event: Any) -> Any:
    """A top-level key as ``yaml.load`` makes it (``1: [...]`` is the key ``1``)."""
    if not isinstance(event, yaml.ScalarEvent):
        return _NO_KEY  # a collection (or an alias, refused anyway) as a key
    tag = event.tag
    if tag is None or tag == "!":
        tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
    try:
        return loader.construct_object(yaml.ScalarNode(tag, event.value, style=event.style))
    except Exception:  # ``!!int abc:``: the key as written is the best name for it
        return event.value


def _too_deep(value: Any, levels: int) -> bool:
    """Whether lists and mappings nest deeper than ``levels`` in ``value``; iterative, as
    the value may nest thousands deep (a tree: aliases were refused)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            if depth > levels:
                return True
            stack.extend((child, depth + 1) for child in item)
    return False


def key_lines(fm_text: str) -> dict[str, int]:
    """The file line of each top-level key of the front-matter."""
    return {m.group(1): fm_text.count("\n", 0, m.start()) + 1 for m in _KEY_LINE.finditer(fm_text)}


def yaml_kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
