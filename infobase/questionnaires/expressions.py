"""A safe evaluator for the subset of XLSForm (XPath 1.0 + ODK functions) the questionnaires use.

Nothing here uses ``eval``/``exec``: expressions are tokenised, parsed by a small Pratt parser
into immutable nodes (cached per expression string) and interpreted.

Grammar (lowest to highest precedence)::

    expr     := or
    or       := and ("or" and)*
    and      := equality ("and" equality)*
    equality := relation (("=" | "!=") relation)*
    relation := additive (("<" | "<=" | ">" | ">=") additive)*
    additive := mult (("+" | "-") mult)*
    mult     := unary (("*" | "div" | "mod") unary)*
    unary    := "-" unary | primary
    primary  := NUMBER | 'string' | "string" | ${name} | "." | NAME | NAME "(" args ")"
              | "(" expr ")"

A bare ``NAME`` is only meaningful in a choice filter, where it reads a column of the choice
(``name`` is the choice's own name). Paths (``/data/q``, ``a/b``, ``..``), predicates, unions and
functions outside :data:`FUNCTIONS` raise :class:`UnsupportedExpression`.

Values follow XPath: a missing or ``None`` answer is ``""``; a select_multiple answer is a list of
choice names and reads as their space-joined string. ``=``/``!=`` compare as numbers when both
sides look numeric, otherwise as strings; ``<``/``>`` compare numbers, dates, or (both non-empty)
strings, and are false when a side is empty.
"""

from __future__ import annotations

import functools
import math
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final, NamedTuple, Protocol, TypeVar

import regex as regex_engine
from django.utils.translation import gettext as _

__all__ = [
    "FUNCTIONS",
    "ExpressionError",
    "Node",
    "UnsupportedExpression",
    "Value",
    "allowed_choices",
    "check_constraint",
    "evaluate",
    "filter_choices",
    "is_relevant",
    "parse",
    "references",
    "to_boolean",
    "to_number",
    "to_string",
    "validate",
]

MAX_LENGTH: Final = 5000  # characters in one expression
MAX_NESTING: Final = 48  # parentheses, calls and unary minus inside one another
MAX_DEPTH: Final = 128  # depth of the parsed tree (and/or chains are flattened)
MAX_REGEX_LENGTH: Final = 200
MAX_REGEX_SUBJECT: Final = 10_000
REGEX_TIMEOUT: Final = 0.25  # seconds for one match, enforced in any thread

Value = str | float | bool | date | list[str]
"""What expressions compute: numbers are floats; ``datetime`` is a ``date``; lists are
select_multiple answers."""

EPOCH: Final = date(1970, 1, 1)


class ExpressionError(ValueError):
    """An expression cannot be parsed or evaluated; the message is translated and ready to show."""

    def __init__(self, message: str, expression: str = "", position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.expression = expression
        self.position = position


class UnsupportedExpression(ExpressionError):
    """Valid XLSForm that this evaluator deliberately does not handle (paths, position(..), ...)."""


def _short(expr: str) -> str:
    expr = " ".join(expr.split())
    return expr if len(expr) <= 80 else expr[:77] + "..."


# --------------------------------------------------------------------------------------------
# Nodes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    value: str | float


@dataclass(frozen=True, slots=True)
class Ref:
    """``${name}``: the answer to another item."""

    name: str


@dataclass(frozen=True, slots=True)
class Current:
    """``.``: the value being checked (constraints)."""


@dataclass(frozen=True, slots=True)
class Name:
    """A bare name: a column of the choice being filtered."""

    name: str


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # = != < <= > >= + - * div mod
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Logical:
    op: str  # and / or
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Node, ...]


Node = Literal | Ref | Current | Name | Negate | Binary | Logical | Call


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Negate):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Logical):
        return node.operands
    if isinstance(node, Call):
        return node.args
    return ()


def _walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(_children(current))


def _depth(node: Node) -> int:
    deepest = 0
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in _children(current))
    return deepest


# --------------------------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------------------------

_NAME = r"[^\W\d][\w.\-]*(?::[^\W\d][\w.\-]*)?"
_TOKEN_RE: Final = re.compile(
    rf"""
    (?P<ws>\s+)
    |(?P<number>\d+(?:\.\d*)?|\.\d+)
    |(?P<string>'[^']*'|"[^"]*")
    |(?P<ref>\$\{{[^}}]*\}})
    |(?P<dotdot>\.\.)
    |(?P<dot>\.)
    |(?P<op>!=|<=|>=|=|<|>|\+|-|\*|\(|\)|,|/|\||\[|\]|@)
    |(?P<name>{_NAME})
    """,
    re.VERBOSE,
)
_REF_NAME_RE: Final = re.compile(_NAME)
_CURLY_QUOTES: Final = "‘’‚‛“”„‟′″«»"


class Token(NamedTuple):
    kind: str  # number string ref dot dotdot op name end
    text: str
    pos: int


def _tokenize(expr: str) -> list[Token]:
    if len(expr) > MAX_LENGTH:
        raise ExpressionError(
            _("The expression is too long (%(length)d characters; the limit is %(limit)d).")
            % {"length": len(expr), "limit": MAX_LENGTH},
            _short(expr),
        )
    tokens: list[Token] = []
    pos = 0
    while pos < len(expr):
        match = _TOKEN_RE.match(expr, pos)
        if match is None:
            char = expr[pos]
            if char in _CURLY_QUOTES:
                message = _(
                    "Typographic quote %(char)s at position %(pos)d in %(expr)s: "
                    "use straight quotes ' or \"."
                )
            elif char in "'\"":
                message = _("Unterminated string starting at position %(pos)d in %(expr)s.")
            else:
                message = _("Unexpected character %(char)s at position %(pos)d in %(expr)s.")
            raise ExpressionError(
                message % {"char": char, "pos": pos + 1, "expr": _short(expr)}, expr, pos
            )
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "ref":
            name = text[2:-1].strip()
            if not _REF_NAME_RE.fullmatch(name):
                raise ExpressionError(
                    _("Invalid reference %(ref)s at position %(pos)d in %(expr)s.")
                    % {"ref": text, "pos": pos + 1, "expr": _short(expr)},
                    expr,
                    pos,
                )
            text = name
        if kind != "ws":
            tokens.append(Token(kind, text, pos))
        pos = match.end()
    tokens.append(Token("end", "", len(expr)))
    return tokens


# --------------------------------------------------------------------------------------------
# Functions: name -> (min args, max args or None for any)
# --------------------------------------------------------------------------------------------

FUNCTIONS: Final[dict[str, tuple[int, int | None]]] = {
    "if": (3, 3),
    "coalesce": (2, 2),
    "not": (1, 1),
    "true": (0, 0),
    "false": (0, 0),
    "boolean": (1, 1),
    "string": (0, 1),
    "number": (0, 1),
    "int": (1, 1),
    "round": (1, 2),
    "floor": (1, 1),
    "ceiling": (1, 1),
    "abs": (1, 1),
    "pow": (2, 2),
    "sqrt": (1, 1),
    "exp": (1, 1),
    "log": (1, 1),
    "log10": (1, 1),
    "sin": (1, 1),
    "cos": (1, 1),
    "tan": (1, 1),
    "asin": (1, 1),
    "acos": (1, 1),
    "atan": (1, 1),
    "atan2": (2, 2),
    "pi": (0, 0),
    "sum": (1, 1),
    "max": (1, None),
    "min": (1, None),
    "selected": (2, 2),
    "count-selected": (1, 1),
    "string-length": (0, 1),
    "regex": (2, 2),
    "contains": (2, 2),
    "starts-with": (2, 2),
    "ends-with": (2, 2),
    "concat": (1, None),
    "substr": (2, 3),
    "substring-before": (2, 2),
    "substring-after": (2, 2),
    "today": (0, 0),
    "now": (0, 0),
    "date": (1, 1),
    "jr:choice-name": (1, 2),
}

# Real XLSForm functions that make no sense (or are not safe) here: a clearer message than
# "unknown function".
_UNSUPPORTED_FUNCTIONS: Final = frozenset(
    {
        "position", "indexed-repeat", "instance", "current", "last", "count", "once", "uuid",
        "random", "randomize", "pulldata", "version", "property", "digest", "encrypt-string",
        "base64-decode", "format-date", "format-date-time", "decimal-date-time", "decimal-time",
        "date-time", "area", "distance", "geofence", "checklist", "weighted-checklist", "join",
        "selected-at", "count-non-empty", "normalize-space", "translate", "substring", "id",
        "local-name", "name", "lang", "sum-of", "exists",
    }
)  # fmt: skip

_INFIX_POWER: Final = {
    "or": 1,
    "and": 2,
    "=": 3,
    "!=": 3,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "div": 6,
    "mod": 6,
}
_UNARY_POWER: Final = 7


# --------------------------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, expr: str) -> None:
        self.expr = expr
        self.tokens = _tokenize(expr)
        self.index = 0
        self.nesting = 0

    # -- helpers
    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def error(self, message: str, token: Token, **params: object) -> ExpressionError:
        params.setdefault("pos", token.pos + 1)
        params.setdefault("expr", _short(self.expr))
        return ExpressionError(message % params, self.expr, token.pos)

    def unsupported(self, message: str, token: Token, **params: object) -> UnsupportedExpression:
        params.setdefault("pos", token.pos + 1)
        params.setdefault("expr", _short(self.expr))
        return UnsupportedExpression(message % params, self.expr, token.pos)

    def describe(self, token: Token) -> str:
        return _("end of expression") if token.kind == "end" else repr(token.text)

    def expect(self, text: str) -> Token:
        token = self.advance()
        if token.kind != "op" or token.text != text:
            raise self.error(
                _("Expected %(expected)s but found %(found)s at position %(pos)d in %(expr)s."),
                token,
                expected=repr(text),
                found=self.describe(token),
            )
        return token

    # -- grammar
    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise self.error(_("The expression is empty."), self.peek())
        node = self.expression(0)
        token = self.peek()
        if token.kind != "end":
            raise self.error(
                _("Unexpected %(found)s at position %(pos)d in %(expr)s."),
                token,
                found=self.describe(token),
            )
        if _depth(node) > MAX_DEPTH:
            raise self.error(
                _("The expression is nested too deeply (limit %(limit)d): %(expr)s"),
                token,
                limit=MAX_DEPTH,
            )
        return node

    def infix_operator(self, token: Token) -> str | None:
        if token.kind == "op" and token.text in _INFIX_POWER:
            return token.text
        if token.kind == "name" and token.text in ("and", "or", "div", "mod"):
            return token.text
        if token.kind == "op" and token.text in ("/", "|", "[", "@"):
            raise self.unsupported(
                _(
                    "XPath paths, predicates and unions (%(op)s at position %(pos)d) are not "
                    "supported in %(expr)s; refer to answers as ${name}."
                ),
                token,
                op=token.text,
            )
        return None

    def expression(self, min_power: int) -> Node:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise self.error(
                _("The expression is nested too deeply (limit %(limit)d): %(expr)s"),
                self.peek(),
                limit=MAX_NESTING,
            )
        left = self.prefix()
        while True:
            op = self.infix_operator(self.peek())
            if op is None or _INFIX_POWER[op] <= min_power:
                break
            self.advance()
            right = self.expression(_INFIX_POWER[op])
            if op in ("and", "or"):
                previous = left.operands if isinstance(left, Logical) and left.op == op else (left,)
                left = Logical(op, (*previous, right))
            else:
                left = Binary(op, left, right)
        self.nesting -= 1
        return left

    def prefix(self) -> Node:
        token = self.advance()
        if token.kind == "number":
            return Literal(float(token.text))
        if token.kind == "string":
            return Literal(token.text[1:-1])
        if token.kind == "ref":
            return Ref(token.text)
        if token.kind == "dot":
            return Current()
        if token.kind == "dotdot":
            raise self.unsupported(
                _("The parent step '..' at position %(pos)d is not supported in %(expr)s."), token
            )
        if token.kind == "name":
            if self.peek().kind == "op" and self.peek().text == "(":
                return self.call(token)
            return Name(token.text)
        if token.kind == "op" and token.text == "(":
            node = self.expression(0)
            self.expect(")")
            return node
        if token.kind == "op" and token.text == "-":
            return Negate(self.expression(_UNARY_POWER))
        if token.kind == "op" and token.text in ("/", "@", "*"):
            raise self.unsupported(
                _(
                    "XPath paths (%(op)s at position %(pos)d) are not supported in %(expr)s; "
                    "refer to answers as ${name}."
                ),
                token,
                op=token.text,
            )
        raise self.error(
            _("Unexpected %(found)s at position %(pos)d in %(expr)s."),
            token,
            found=self.describe(token),
        )

    def call(self, name_token: Token) -> Node:
        name = name_token.text
        if name not in FUNCTIONS:
            if name in _UNSUPPORTED_FUNCTIONS:
                raise self.unsupported(
                    _("The function %(name)s() is not supported here (in %(expr)s)."),
                    name_token,
                    name=name,
                )
            raise self.unsupported(
                _("Unknown function %(name)s() at position %(pos)d in %(expr)s."),
                name_token,
                name=name,
            )
        self.expect("(")
        args: list[Node] = []
        if not (self.peek().kind == "op" and self.peek().text == ")"):
            args.append(self.expression(0))
            while self.peek().kind == "op" and self.peek().text == ",":
                self.advance()
                args.append(self.expression(0))
        self.expect(")")
        low, high = FUNCTIONS[name]
        if len(args) < low or (high is not None and len(args) > high):
            if high is None:
                expected = _("at least %(low)d") % {"low": low}
            elif low == high:
                expected = str(low)
            else:
                expected = _("%(low)d to %(high)d") % {"low": low, "high": high}
            raise self.error(
                _("%(name)s() takes %(expected)s argument(s), not %(count)d, in %(expr)s."),
                name_token,
                name=name,
                expected=expected,
                count=len(args),
            )
        if name == "regex" and isinstance(args[1], Literal):
            _compile_regex(_string(args[1].value))
        return Call(name, tuple(args))


@functools.lru_cache(maxsize=4096)
def parse(expr: str) -> Node:
    """Parse an expression into an immutable tree; raises :class:`ExpressionError`."""
    if not isinstance(expr, str):
        raise ExpressionError(_("An expression must be text."))
    return _Parser(expr).parse()


def validate(expr: str, *, choice_filter: bool = False) -> Node:
    """Parse ``expr`` and check it only uses bare names where they mean something."""
    node = parse(expr)
    if not choice_filter:
        for sub in _walk(node):
            if isinstance(sub, Name):
                raise UnsupportedExpression(
                    _("The bare name %(name)s in %(expr)s is not allowed here; write ${%(name)s}.")
                    % {"name": sub.name, "expr": _short(expr)},
                    expr,
                )
    return node


@functools.lru_cache(maxsize=4096)
def _references(expr: str) -> frozenset[str]:
    return frozenset(token.text for token in _tokenize(expr) if token.kind == "ref")


def references(expr: str) -> set[str]:
    """The ``${names}`` an expression mentions (works even if it uses unsupported functions)."""
    if not expr:
        return set()
    return set(_references(expr))


# --------------------------------------------------------------------------------------------
# Conversions (XPath 1.0 semantics)
# --------------------------------------------------------------------------------------------

_NUMBER_RE: Final = re.compile(r"\s*-?(?:\d+(?:\.\d*)?|\.\d+)\s*")


def _from_python(value: Any) -> Value:
    if value is None:
        return ""
    if isinstance(value, bool | str | date):
        return value
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [to_string(_from_python(item)) for item in value]
    if isinstance(value, set | frozenset):
        return sorted(to_string(_from_python(item)) for item in value)
    return str(value)


def _format_number(number: float) -> str:
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number.is_integer() and abs(number) < 1e21:
        return str(int(number))
    return format(Decimal(repr(number)), "f")


def _string(value: str | float) -> str:
    return value if isinstance(value, str) else _format_number(value)


def to_string(value: Value) -> str:
    """XPath ``string()``."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | int):
        return _format_number(float(value))
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(value)


def _days(value: date) -> float:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return (value - datetime(1970, 1, 1)).total_seconds() / 86400
    return float((value - EPOCH).days)


def to_number(value: Value) -> float:
    """XPath ``number()``; dates count days since 1970-01-01 as in ODK."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float | int):
        return float(value)
    if isinstance(value, date):
        return _days(value)
    text = value if isinstance(value, str) else " ".join(value)
    return float(text) if _NUMBER_RE.fullmatch(text) else math.nan


def to_boolean(value: Value) -> bool:
    """XPath ``boolean()``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float | int):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, date):
        return True
    return len(value) > 0


def _looks_numeric(value: Value) -> bool:
    if isinstance(value, float | int):
        return True
    if isinstance(value, str):
        return _NUMBER_RE.fullmatch(value) is not None
    if isinstance(value, list):
        return _NUMBER_RE.fullmatch(" ".join(value)) is not None
    return False


def _as_days(value: Value) -> float | None:
    """A value compared with a date: as days since the epoch, or None when it is not a date."""
    if isinstance(value, date):
        return _days(value)
    if isinstance(value, float | int) and not isinstance(value, bool):
        return None if math.isnan(value) else float(value)
    text = to_string(value).strip()
    if not text:
        return None
    try:
        return _days(datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text))
    except ValueError:
        return None


def _items(value: Value) -> list[str]:
    if isinstance(value, list):
        return [item for item in value if item != ""]
    return to_string(value).split()


_COMPARISONS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _compare(op: str, left: Value, right: Value) -> bool:
    compare = _COMPARISONS[op]
    equality = op in ("=", "!=")
    if isinstance(left, bool) or isinstance(right, bool):
        if equality:
            return compare(to_boolean(left), to_boolean(right))
        return compare(to_number(left), to_number(right))
    if isinstance(left, date) or isinstance(right, date):
        left_days, right_days = _as_days(left), _as_days(right)
        if left_days is None or right_days is None:
            return op == "!=" and to_string(left) != to_string(right)
        return compare(left_days, right_days)
    if _looks_numeric(left) and _looks_numeric(right):
        return compare(to_number(left), to_number(right))
    left_text, right_text = to_string(left), to_string(right)
    if not equality and (not left_text or not right_text):
        return False  # like NaN: an empty answer is neither smaller nor greater
    return compare(left_text, right_text)


def _arithmetic(op: str, left: float, right: float) -> float:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op == "div":
        if right == 0:
            if left == 0 or math.isnan(left):
                return math.nan
            return math.copysign(math.inf, left) * math.copysign(1.0, right)
        return left / right
    # mod: truncating, like Java/JavaScript %
    if right == 0 or math.isinf(left) or math.isnan(left) or math.isnan(right):
        return math.nan
    return math.fmod(left, right)


# --------------------------------------------------------------------------------------------
# Regular expressions
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _compile_regex(pattern: str) -> regex_engine.Pattern[str]:
    if len(pattern) > MAX_REGEX_LENGTH:
        raise UnsupportedExpression(
            _("The regular expression is too long (%(length)d characters; the limit is %(limit)d).")
            % {"length": len(pattern), "limit": MAX_REGEX_LENGTH},
            pattern,
        )
    try:
        return regex_engine.compile(pattern)
    except (regex_engine.error, RecursionError, OverflowError) as exc:
        raise ExpressionError(
            _("Invalid regular expression %(pattern)s: %(error)s")
            % {"pattern": pattern, "error": exc},
            pattern,
        ) from exc


def _regex(subject: str, pattern: str) -> bool:
    """``regex(subject, pattern)``: whether the pattern matches; a match that runs longer than
    ``REGEX_TIMEOUT`` is an error (the ``regex`` engine checks its own clock, so this holds in
    web-server threads too, where signals cannot interrupt a match)."""
    compiled = _compile_regex(pattern)
    if len(subject) > MAX_REGEX_SUBJECT:
        raise ExpressionError(
            _("The text is too long to check against a regular expression (limit %(limit)d).")
            % {"limit": MAX_REGEX_SUBJECT}
        )
    try:
        return compiled.search(subject, timeout=REGEX_TIMEOUT) is not None
    except TimeoutError:
        raise ExpressionError(
            _("The regular expression %(pattern)s took too long.") % {"pattern": pattern}, pattern
        ) from None


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Context:
    values: Mapping[str, Any]
    current: Value
    today: date
    columns: Mapping[str, Any] | None = None
    choice_name: str = ""


def _math(function: Callable[..., float], *args: float) -> float:
    try:
        return float(function(*args))
    except (ValueError, OverflowError):
        return math.nan


def _round(number: float, digits: float = 0.0) -> float:
    if math.isnan(number) or math.isinf(number) or math.isnan(digits):
        return number
    places = max(-20, min(20, int(digits)))
    exponent = Decimal(1).scaleb(-places)
    return float(Decimal(repr(number)).quantize(exponent, rounding=ROUND_HALF_UP))


def _to_date(value: Value) -> Value:
    if isinstance(value, date):
        return value
    if isinstance(value, float | int) and not isinstance(value, bool):
        if math.isnan(value):
            return ""
        return EPOCH + timedelta(days=int(value))
    text = to_string(value).strip()
    if not text:
        return ""
    try:
        return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    except ValueError:
        raise ExpressionError(
            _("%(value)s is not a date (YYYY-MM-DD).") % {"value": text}
        ) from None


def _numbers(values: Sequence[Value]) -> list[float]:
    numbers: list[float] = []
    for value in values:
        if isinstance(value, list):
            numbers.extend(to_number(item) for item in value)
        else:
            numbers.append(to_number(value))
    return numbers


def _substr(text: str, start: float, end: float | None = None) -> str:
    if math.isnan(start) or (end is not None and math.isnan(end)):
        return ""
    first = max(0, int(start))
    return text[first:] if end is None else text[first : max(first, int(end))]


def _call(node: Call, ctx: _Context) -> Value:
    name, nodes = node.name, node.args
    # Lazy functions first.
    if name == "if":
        return _eval(nodes[1] if to_boolean(_eval(nodes[0], ctx)) else nodes[2], ctx)
    if name == "coalesce":
        first = _eval(nodes[0], ctx)
        return first if to_string(first) != "" else _eval(nodes[1], ctx)

    args = [_eval(arg, ctx) for arg in nodes]
    one = args[0] if args else ctx.current
    if name in ("true", "false"):
        return name == "true"
    if name == "not":
        return not to_boolean(one)
    if name == "boolean":
        return to_boolean(one)
    if name == "string":
        return to_string(one)
    if name == "number":
        return to_number(one)
    if name == "jr:choice-name":
        return one
    if name == "selected":
        return to_string(args[1]).strip() in _items(args[0])
    if name == "count-selected":
        return float(len(_items(one)))
    if name == "string-length":
        return float(len(to_string(one)))
    if name == "regex":
        return _regex(to_string(args[0]), to_string(args[1]))
    if name == "contains":
        return to_string(args[1]) in to_string(args[0])
    if name == "starts-with":
        return to_string(args[0]).startswith(to_string(args[1]))
    if name == "ends-with":
        return to_string(args[0]).endswith(to_string(args[1]))
    if name == "concat":
        return "".join(to_string(arg) for arg in args)
    if name == "substr":
        end = to_number(args[2]) if len(args) > 2 else None
        return _substr(to_string(args[0]), to_number(args[1]), end)
    if name == "substring-before":
        text, sep = to_string(args[0]), to_string(args[1])
        return text.split(sep, 1)[0] if sep and sep in text else ""
    if name == "substring-after":
        text, sep = to_string(args[0]), to_string(args[1])
        return text.split(sep, 1)[1] if sep in text else ""
    if name == "today":
        return ctx.today
    if name == "now":
        return datetime.now(UTC)
    if name == "date":
        return _to_date(one)
    if name in ("sum", "max", "min"):
        numbers = _numbers(args)
        if name == "sum":
            return math.fsum(numbers) if not any(math.isnan(n) for n in numbers) else math.nan
        if not numbers or any(math.isnan(n) for n in numbers):
            return math.nan
        return max(numbers) if name == "max" else min(numbers)
    numbers = [to_number(arg) for arg in args]
    return _numeric_function(name, numbers)


def _numeric_function(name: str, numbers: list[float]) -> float:
    if name == "pi":
        return math.pi
    if name == "round":
        return _round(*numbers)
    number = numbers[0]
    if name == "int":
        return number if math.isnan(number) or math.isinf(number) else float(math.trunc(number))
    if name == "abs":
        return abs(number)
    if name == "floor":
        return number if math.isnan(number) or math.isinf(number) else float(math.floor(number))
    if name == "ceiling":
        return number if math.isnan(number) or math.isinf(number) else float(math.ceil(number))
    if name == "pow":
        return _math(math.pow, number, numbers[1])
    if name == "atan2":
        return _math(math.atan2, number, numbers[1])
    unary: dict[str, Callable[[float], float]] = {
        "sqrt": math.sqrt,
        "exp": math.exp,
        "log": math.log,
        "log10": math.log10,
        "sin": math.sin,
        "cos": math.cos,
        "tan": math.tan,
        "asin": math.asin,
        "acos": math.acos,
        "atan": math.atan,
    }
    return _math(unary[name], number)


def _eval(node: Node, ctx: _Context) -> Value:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Ref):
        return _from_python(ctx.values.get(node.name))
    if isinstance(node, Current):
        return ctx.current
    if isinstance(node, Name):
        if ctx.columns is None:
            raise UnsupportedExpression(
                _("The bare name %(name)s is only allowed in choice filters; write ${%(name)s}.")
                % {"name": node.name}
            )
        if node.name == "name":
            return ctx.choice_name
        return _from_python(ctx.columns.get(node.name))
    if isinstance(node, Negate):
        return -to_number(_eval(node.operand, ctx))
    if isinstance(node, Logical):
        if node.op == "and":
            return all(to_boolean(_eval(operand, ctx)) for operand in node.operands)
        return any(to_boolean(_eval(operand, ctx)) for operand in node.operands)
    if isinstance(node, Binary):
        left, right = _eval(node.left, ctx), _eval(node.right, ctx)
        if node.op in _COMPARISONS:
            return _compare(node.op, left, right)
        return _arithmetic(node.op, to_number(left), to_number(right))
    return _call(node, ctx)


def _run(expr: str, ctx: _Context) -> Value:
    node = parse(expr)
    try:
        return _eval(node, ctx)
    except ExpressionError as exc:
        if not exc.expression:
            exc.expression = expr
        raise
    except (ArithmeticError, ValueError, TypeError, RecursionError, InvalidOperation) as exc:
        raise ExpressionError(
            _("Could not evaluate %(expr)s: %(error)s") % {"expr": _short(expr), "error": exc},
            expr,
        ) from exc


def evaluate(
    expr: str,
    *,
    values: Mapping[str, Any],
    current: Any = None,
    today: date | None = None,
) -> Value:
    """Evaluate ``expr`` with ``${name}`` read from ``values`` and ``.`` being ``current``."""
    ctx = _Context(values, _from_python(current), today or date.today())
    return _run(expr, ctx)


def is_relevant(expr: str, values: Mapping[str, Any], *, today: date | None = None) -> bool:
    """Whether an item with this ``relevant`` expression is shown (empty: always)."""
    if not expr or not expr.strip():
        return True
    return to_boolean(evaluate(expr, values=values, today=today))


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | frozenset):
        return not value
    return False


def check_constraint(
    expr: str, value: Any, values: Mapping[str, Any], *, today: date | None = None
) -> bool:
    """Whether ``value`` satisfies the constraint (empty expression or empty answer: yes)."""
    if not expr or not expr.strip() or _is_empty(value):
        return True
    return to_boolean(evaluate(expr, values=values, current=value, today=today))


def filter_choices(
    expr: str,
    choice_extra: Mapping[str, Any],
    choice_name: str,
    values: Mapping[str, Any],
    *,
    today: date | None = None,
) -> bool:
    """Whether a choice passes a ``choice_filter``: bare names read the choice's columns."""
    if not expr or not expr.strip():
        return True
    ctx = _Context(values, "", today or date.today(), choice_extra, choice_name)
    return to_boolean(_run(expr, ctx))


class ChoiceLike(Protocol):
    """What :func:`allowed_choices` reads of a choice (``Choice`` has both)."""

    name: str
    extra: Any  # the choice's other columns: header → text


C = TypeVar("C", bound=ChoiceLike)


def allowed_choices(
    expr: str,
    choices: Iterable[C],
    values: Mapping[str, Any],
    *,
    today: date | None = None,
) -> list[C]:
    """The choices of a select that its ``choice_filter`` leaves, in their order.

    ``values`` are the answers so far (item name → answer, as for :func:`is_relevant`); bare
    names in the filter read the choice's columns (``name`` is its own name). An empty filter
    keeps every choice. As in the browser (``allows`` in relevance.js), a filter that cannot be
    parsed keeps every choice, and a choice for which it cannot be evaluated is kept, so a
    faulty filter never makes a question unanswerable.
    """
    listed = list(choices)
    if not expr or not expr.strip():
        return listed
    try:
        parse(expr)
    except ExpressionError:
        return listed
    day = today or date.today()
    kept = []
    for choice in listed:
        try:
            allowed = filter_choices(expr, choice.extra or {}, choice.name, values, today=day)
        except ExpressionError:
            allowed = True
        if allowed:
            kept.append(choice)
    return kept
