"""A small PromQL subset: a recursive-descent parser and an evaluator over the synthetic series.

Supported: selectors with ``= != =~ !~`` matchers, ``[range]``, ``offset``;
``rate irate increase delta``, ``*_over_time``, ``histogram_quantile``, ``vector``,
``scalar``, ``time``, ``absent``, ``abs ceil floor sqrt exp ln``, ``clamp_min/max``;
``sum avg min max count group topk bottomk`` with ``by``/``without``; arithmetic and
comparison (with ``bool``) between scalars and vectors with one-to-one matching
(``on``/``ignoring``); ``and or unless``. Anything else raises :class:`PromQLError`,
which the API answers as Prometheus does (``bad_data``, HTTP 400).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from oncall_tui.demo.series import SCRAPE_INTERVAL, Labels, Series


class PromQLError(Exception):
    """The query is malformed or outside the supported subset."""


# --- durations and tokens -----------------------------------------------------------------------

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0, "y": 31536000.0}
_DURATION_RE = re.compile(r"^(?:\d+(?:ms|s|m|h|d|w|y))+$")


def parse_duration(text: str) -> float:
    """``5m``, ``1h30m``, ``250ms`` → seconds."""
    if not _DURATION_RE.match(text):
        raise PromQLError(f'not a valid duration string: "{text}"')
    return sum(float(n) * _UNITS[u] for n, u in re.findall(r"(\d+)(ms|s|m|h|d|w|y)", text))


_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<duration>\d+(?:ms|s|m|h|d|w|y)(?:\d+(?:ms|s|m|h|d|w|y))*(?![A-Za-z0-9_]))
  | (?P<number>0[xX][0-9a-fA-F]+|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?
              |(?i:inf|nan)(?![A-Za-z0-9_:]))
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<op>=~|!~|==|!=|>=|<=|[-+*/%^(){}\[\],=<>:@])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int


def tokenize(query: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(query):
        m = _TOKEN_RE.match(query, pos)
        if m is None:
            raise PromQLError(f"1:{pos + 1}: parse error: unexpected character: {query[pos]!r}")
        kind = m.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, m.group(), pos))
        pos = m.end()
    tokens.append(Token("eof", "", len(query)))
    return tokens


def _unquote(text: str) -> str:
    if text.startswith("`"):
        return text[1:-1]
    body = text[1:-1]
    return re.sub(
        r"\\(.)",
        lambda m: {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}.get(m.group(1), m.group(1)),
        body,
    )


# --- AST ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Matcher:
    """One label matcher of a selector."""

    name: str
    op: str
    value: str
    regex: re.Pattern[str] | None = None

    def matches(self, labels: dict[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        assert self.regex is not None
        hit = self.regex.fullmatch(actual) is not None
        return hit if self.op == "=~" else not hit


def make_matcher(name: str, op: str, value: str) -> Matcher:
    regex = None
    if op in ("=~", "!~"):
        try:
            # Prometheus anchors regexes at both ends.
            regex = re.compile(f"(?:{value})", re.DOTALL)
        except re.error as exc:
            raise PromQLError(f"invalid regular expression {value!r}: {exc}") from None
    return Matcher(name, op, value, regex)


@dataclass(frozen=True)
class NumberLit:
    value: float


@dataclass(frozen=True)
class VectorSel:
    matchers: tuple[Matcher, ...]
    offset: float = 0.0


@dataclass(frozen=True)
class MatrixSel:
    vector: VectorSel
    range: float


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Aggregate:
    op: str
    expr: Expr
    grouping: tuple[str, ...] = ()
    without: bool = False
    param: Expr | None = None


@dataclass(frozen=True)
class Binary:
    op: str
    lhs: Expr
    rhs: Expr
    return_bool: bool = False
    on: tuple[str, ...] | None = None
    ignoring: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unary:
    expr: Expr


Expr = NumberLit | VectorSel | MatrixSel | Call | Aggregate | Binary | Unary

_AGGREGATES = {"sum", "avg", "min", "max", "count", "group", "topk", "bottomk"}
_UNSUPPORTED_AGGREGATES = {"stddev", "stdvar", "quantile", "count_values", "limitk", "limit_ratio"}
_MATRIX_FUNCS = {
    "rate",
    "irate",
    "increase",
    "delta",
    "avg_over_time",
    "min_over_time",
    "max_over_time",
    "sum_over_time",
    "count_over_time",
    "last_over_time",
}
_VECTOR_FUNCS = {"abs", "ceil", "floor", "sqrt", "exp", "ln", "absent"}
_FUNCS = (
    _MATRIX_FUNCS
    | _VECTOR_FUNCS
    | {"histogram_quantile", "vector", "scalar", "time", "clamp_min", "clamp_max"}
)
_KEYWORDS = {"by", "without", "on", "ignoring", "offset", "bool", "group_left", "group_right"}
_PRECEDENCE = [
    {"or"},
    {"and", "unless"},
    {"==", "!=", ">", "<", ">=", "<="},
    {"+", "-"},
    {"*", "/", "%", "atan2"},
]
_COMPARISONS = {"==", "!=", ">", "<", ">=", "<="}


# --- parser --------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = tokenize(query)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def error(self, message: str, tok: Token | None = None) -> PromQLError:
        t = tok or self.tok
        return PromQLError(f"1:{t.pos + 1}: parse error: {message}")

    def next(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def accept(self, text: str) -> bool:
        if self.tok.kind in ("op", "ident") and self.tok.text == text:
            self.i += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            found = self.tok.text or "end of input"
            raise self.error(f'unexpected {found!r}, expected "{text}"')

    def parse(self) -> Expr:
        if self.tok.kind == "eof":
            raise self.error("no expression found in input")
        expr = self.binary(0)
        if self.tok.kind != "eof":
            raise self.error(f"unexpected {self.tok.text!r}")
        return expr

    def _binop_here(self, level: int) -> str | None:
        t = self.tok
        ops = _PRECEDENCE[level]
        if t.kind == "op" and t.text in ops:
            return t.text
        if t.kind == "ident" and t.text.lower() in ops:
            return t.text.lower()
        return None

    def binary(self, level: int) -> Expr:
        if level >= len(_PRECEDENCE):
            return self.power()
        lhs = self.binary(level + 1)
        while (op := self._binop_here(level)) is not None:
            self.next()
            if op == "atan2":
                raise self.error("atan2 is not supported by the demo")
            return_bool = self.accept("bool")
            on: tuple[str, ...] | None = None
            ignoring: tuple[str, ...] = ()
            if self.accept("on"):
                on = self.label_list()
            elif self.accept("ignoring"):
                ignoring = self.label_list()
            if self.tok.text in ("group_left", "group_right"):
                raise self.error(f"{self.tok.text} is not supported by the demo")
            rhs = self.binary(level + 1)
            if return_bool and op not in _COMPARISONS:
                raise self.error("bool modifier can only be used on comparison operators")
            lhs = Binary(op, lhs, rhs, return_bool, on, ignoring)
        return lhs

    def power(self) -> Expr:
        base = self.unary()
        if self.accept("^"):
            # Right-associative.
            return Binary("^", base, self.power())
        return base

    def unary(self) -> Expr:
        if self.accept("-"):
            inner = self.unary()
            if isinstance(inner, NumberLit):
                return NumberLit(-inner.value)
            return Unary(inner)
        if self.accept("+"):
            return self.unary()
        return self.postfix(self.primary())

    def postfix(self, expr: Expr) -> Expr:
        while True:
            if self.tok.text == "[" and self.tok.kind == "op":
                self.next()
                if not isinstance(expr, VectorSel):
                    raise self.error("ranges only allowed for vector selectors")
                if self.tok.kind != "duration":
                    raise self.error(f"unexpected {self.tok.text!r} in range, expected duration")
                rng = parse_duration(self.next().text)
                if self.tok.text.startswith(":"):
                    raise self.error("subqueries are not supported by the demo")
                self.expect("]")
                expr = MatrixSel(expr, rng)
            elif self.tok.kind == "ident" and self.tok.text == "offset":
                self.next()
                negative = self.accept("-")
                if self.tok.kind != "duration":
                    raise self.error("unexpected token after offset, expected duration")
                off = parse_duration(self.next().text) * (-1 if negative else 1)
                if isinstance(expr, VectorSel):
                    expr = VectorSel(expr.matchers, off)
                elif isinstance(expr, MatrixSel):
                    expr = MatrixSel(VectorSel(expr.vector.matchers, off), expr.range)
                else:
                    raise self.error(
                        "offset modifier must be preceded by an instant vector selector "
                        "or range vector selector"
                    )
            elif self.tok.text == "@":
                raise self.error("the @ modifier is not supported by the demo")
            else:
                return expr

    def label_list(self) -> tuple[str, ...]:
        self.expect("(")
        names: list[str] = []
        while not self.accept(")"):
            if self.tok.kind != "ident":
                raise self.error(f"unexpected {self.tok.text!r} in grouping opts, expected label")
            names.append(self.next().text)
            if not self.accept(","):
                self.expect(")")
                break
        return tuple(names)

    def primary(self) -> Expr:
        t = self.tok
        if t.kind == "number":
            self.next()
            text = t.text.lower()
            return NumberLit(float(int(text, 16)) if text.startswith("0x") else float(text))
        if t.kind == "duration":
            raise self.error(f"unexpected duration {t.text!r}")
        if t.kind == "string":
            raise self.error("string literals are not supported by the demo")
        if t.text == "(":
            self.next()
            inner = self.binary(0)
            self.expect(")")
            return inner
        if t.text == "{":
            return self.selector(None)
        if t.kind == "ident":
            name = t.text
            self.next()
            if name in _AGGREGATES or name in _UNSUPPORTED_AGGREGATES:
                if name in _UNSUPPORTED_AGGREGATES:
                    raise self.error(f"aggregation {name!r} is not supported by the demo", t)
                return self.aggregate(name)
            if self.tok.text == "(":
                if name not in _FUNCS:
                    raise self.error(
                        f"unknown or unsupported function {name!r} (the demo speaks a PromQL subset)", t
                    )
                return self.call(name)
            if name in _KEYWORDS:
                raise self.error(f"unexpected keyword {name!r}", t)
            return self.selector(name)
        raise self.error(f"unexpected {t.text or 'end of input'!r}")

    def call(self, name: str) -> Expr:
        self.expect("(")
        args: list[Expr] = []
        while not self.accept(")"):
            args.append(self.binary(0))
            if not self.accept(","):
                self.expect(")")
                break
        return Call(name, tuple(args))

    def aggregate(self, op: str) -> Expr:
        grouping: tuple[str, ...] = ()
        without = False

        def modifiers() -> bool:
            nonlocal grouping, without
            if self.accept("by"):
                grouping = self.label_list()
                return True
            if self.accept("without"):
                grouping, without = self.label_list(), True
                return True
            return False

        before = modifiers()
        self.expect("(")
        args: list[Expr] = []
        while not self.accept(")"):
            args.append(self.binary(0))
            if not self.accept(","):
                self.expect(")")
                break
        if not before:
            modifiers()
        param: Expr | None = None
        if op in ("topk", "bottomk"):
            if len(args) != 2:
                raise self.error(
                    "wrong number of arguments for aggregate expression provided, "
                    f"expected 2, got {len(args)}"
                )
            param, inner = args
        else:
            if len(args) != 1:
                raise self.error(
                    "wrong number of arguments for aggregate expression provided, "
                    f"expected 1, got {len(args)}"
                )
            inner = args[0]
        return Aggregate(op, inner, grouping, without, param)

    def selector(self, name: str | None) -> Expr:
        matchers: list[Matcher] = []
        if name is not None:
            matchers.append(make_matcher("__name__", "=", name))
        if self.accept("{"):
            while not self.accept("}"):
                if self.tok.kind != "ident" and self.tok.kind != "string":
                    raise self.error(f"unexpected {self.tok.text!r} in label matching, expected label")
                label_tok = self.next()
                label = _unquote(label_tok.text) if label_tok.kind == "string" else label_tok.text
                op_tok = self.next()
                if op_tok.text not in ("=", "!=", "=~", "!~"):
                    raise self.error(
                        f"unexpected {op_tok.text!r} in label matching, expected label matching operator",
                        op_tok,
                    )
                if self.tok.kind != "string":
                    raise self.error(f"unexpected {self.tok.text!r} in label matching, expected string")
                matchers.append(make_matcher(label, op_tok.text, _unquote(self.next().text)))
                if not self.accept(","):
                    self.expect("}")
                    break
        if not any(not m.matches({}) for m in matchers):
            raise self.error("vector selector must contain at least one non-empty matcher")
        return VectorSel(tuple(matchers))


def parse(query: str) -> Expr:
    """Parse a query of the supported subset."""
    return _Parser(query).parse()


def selectors(expr: Expr) -> list[VectorSel]:
    """Every vector selector inside the expression (for exemplars and series lookups)."""
    out: list[VectorSel] = []
    stack: list[Expr] = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, VectorSel):
            out.append(e)
        elif isinstance(e, MatrixSel):
            out.append(e.vector)
        elif isinstance(e, Call):
            stack.extend(e.args)
        elif isinstance(e, Aggregate):
            stack.append(e.expr)
            if e.param is not None:
                stack.append(e.param)
        elif isinstance(e, Binary):
            stack.extend((e.lhs, e.rhs))
        elif isinstance(e, Unary):
            stack.append(e.expr)
    return out


# --- values --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    labels: Labels
    value: float


@dataclass(frozen=True)
class Scalar:
    value: float


@dataclass(frozen=True)
class Vector:
    samples: list[Sample]


@dataclass(frozen=True)
class Matrix:
    series: list[tuple[Labels, list[tuple[float, float]]]]


Value = Scalar | Vector | Matrix


def _drop(labels: Labels, names: Sequence[str]) -> Labels:
    return tuple((k, v) for k, v in labels if k not in names)


def _keep(labels: Labels, names: Sequence[str]) -> Labels:
    return tuple((k, v) for k, v in labels if k in names)


def _no_name(labels: Labels) -> Labels:
    return _drop(labels, ("__name__",))


def _div(a: float, b: float) -> float:
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


_ARITH: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": _div,
    "%": lambda a, b: math.fmod(a, b) if b != 0 else math.nan,
    "^": lambda a, b: _pow(a, b),
}


def _pow(a: float, b: float) -> float:
    try:
        return float(a**b)
    except (OverflowError, ZeroDivisionError):
        return math.inf
    except (ValueError, TypeError):
        return math.nan


_CMP: dict[str, Callable[[float, float], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
}


def bucket_quantile(q: float, buckets: list[tuple[float, float]]) -> float:
    """Prometheus's ``bucketQuantile``: linear interpolation inside the bucket holding rank q."""
    if math.isnan(q):
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    buckets = sorted(buckets)
    if not buckets or not math.isinf(buckets[-1][0]):
        return math.nan
    # Force monotonic counts (rate() of buckets can wobble a little).
    fixed: list[tuple[float, float]] = []
    top = 0.0
    for le, count in buckets:
        top = max(top, count)
        fixed.append((le, top))
    buckets = fixed
    if len(buckets) < 2:
        return math.nan
    observations = buckets[-1][1]
    if observations == 0:
        return math.nan
    rank = q * observations
    b = next(i for i, (_, c) in enumerate(buckets) if c >= rank)
    if b == len(buckets) - 1:
        return buckets[-2][0]
    if b == 0 and buckets[0][0] <= 0:
        return buckets[0][0]
    bucket_start = 0.0
    bucket_end = buckets[b][0]
    count = buckets[b][1]
    if b > 0:
        bucket_start = buckets[b - 1][0]
        count -= buckets[b - 1][1]
        rank -= buckets[b - 1][1]
    if count == 0:
        return bucket_end
    return bucket_start + (bucket_end - bucket_start) * (rank / count)


@dataclass
class Evaluator:
    """Evaluates parsed expressions against a fixed list of series."""

    series: list[Series]
    """Every series the demo Prometheus has."""
    _cache: dict[tuple[Matcher, ...], list[Series]] = field(default_factory=dict)

    def select(self, matchers: tuple[Matcher, ...]) -> list[Series]:
        hit = self._cache.get(matchers)
        if hit is None:
            hit = [s for s in self.series if all(m.matches(dict(s.labels)) for m in matchers)]
            if len(self._cache) > 4096:
                # Ad-hoc queries typed in the app must not grow this without bound.
                self._cache.clear()
            self._cache[matchers] = hit
        return hit

    def instant(self, expr: Expr, ts: float) -> Value:
        """Evaluate at unix time ``ts``."""
        return self._eval(expr, ts)

    # --- helpers ---

    def _samples_in(self, s: Series, start: float, end: float) -> list[tuple[float, float]]:
        """Raw samples on the scrape grid in ``(start, end]``."""
        first = math.floor(start / SCRAPE_INTERVAL) + 1
        last = math.floor(end / SCRAPE_INTERVAL)
        out = []
        for i in range(first, last + 1):
            t = i * SCRAPE_INTERVAL
            v = s.fn(t)
            if v is not None:
                out.append((t, v))
        return out

    def _vector_at(self, sel: VectorSel, ts: float) -> list[Sample]:
        t = ts - sel.offset
        out = []
        for s in self.select(sel.matchers):
            v = s.fn(t)
            # None is a staleness marker (an inactive alert): the series is gone at once.
            if v is not None:
                out.append(Sample(s.labels, v))
        return out

    def _eval(self, expr: Expr, ts: float) -> Value:
        if isinstance(expr, NumberLit):
            return Scalar(expr.value)
        if isinstance(expr, VectorSel):
            return Vector(self._vector_at(expr, ts))
        if isinstance(expr, MatrixSel):
            t = ts - expr.vector.offset
            series = []
            for s in self.select(expr.vector.matchers):
                samples = self._samples_in(s, t - expr.range, t)
                if samples:
                    series.append((s.labels, samples))
            return Matrix(series)
        if isinstance(expr, Unary):
            inner = self._eval(expr.expr, ts)
            if isinstance(inner, Scalar):
                return Scalar(-inner.value)
            if isinstance(inner, Vector):
                return Vector([Sample(_no_name(s.labels), -s.value) for s in inner.samples])
            raise PromQLError("unary expression only allowed on expressions of type scalar or instant vector")
        if isinstance(expr, Call):
            return self._call(expr, ts)
        if isinstance(expr, Aggregate):
            return self._aggregate(expr, ts)
        return self._binary(expr, ts)

    def _vector_arg(self, expr: Expr, ts: float, func: str) -> list[Sample]:
        v = self._eval(expr, ts)
        if not isinstance(v, Vector):
            raise PromQLError(
                f"expected type instant vector in call to function {func!r}, got {_type_name(v)}"
            )
        return v.samples

    def _scalar_arg(self, expr: Expr, ts: float, func: str) -> float:
        v = self._eval(expr, ts)
        if not isinstance(v, Scalar):
            raise PromQLError(f"expected type scalar in call to function {func!r}, got {_type_name(v)}")
        return v.value

    def _call(self, call: Call, ts: float) -> Value:
        f, args = call.func, call.args
        if f == "time":
            if args:
                raise PromQLError("expected 0 arguments in call to function 'time'")
            return Scalar(ts)
        if f == "vector":
            self._arity(call, 1)
            return Vector([Sample((), self._scalar_arg(args[0], ts, f))])
        if f == "scalar":
            self._arity(call, 1)
            samples = self._vector_arg(args[0], ts, f)
            return Scalar(samples[0].value if len(samples) == 1 else math.nan)
        if f in _MATRIX_FUNCS:
            self._arity(call, 1)
            arg = args[0]
            if not isinstance(arg, MatrixSel):
                raise PromQLError(f"expected type range vector in call to function {f!r}, got instant vector")
            return Vector(self._range_func(f, arg, ts))
        if f == "histogram_quantile":
            self._arity(call, 2)
            q = self._scalar_arg(args[0], ts, f)
            groups: dict[Labels, list[tuple[float, float]]] = {}
            for s in self._vector_arg(args[1], ts, f):
                d = dict(s.labels)
                le_text = d.get("le")
                if le_text is None:
                    continue
                try:
                    le = float(le_text)
                except ValueError:
                    continue
                groups.setdefault(_drop(s.labels, ("__name__", "le")), []).append((le, s.value))
            return Vector([Sample(k, bucket_quantile(q, b)) for k, b in groups.items()])
        if f in ("clamp_min", "clamp_max"):
            self._arity(call, 2)
            samples = self._vector_arg(args[0], ts, f)
            bound = self._scalar_arg(args[1], ts, f)
            pick = max if f == "clamp_min" else min
            return Vector([Sample(_no_name(s.labels), pick(s.value, bound)) for s in samples])
        if f == "absent":
            self._arity(call, 1)
            samples = self._vector_arg(args[0], ts, f)
            if samples:
                return Vector([])
            labels: Labels = ()
            if isinstance(args[0], VectorSel):
                labels = tuple(
                    sorted(
                        (m.name, m.value) for m in args[0].matchers if m.op == "=" and m.name != "__name__"
                    )
                )
            return Vector([Sample(labels, 1.0)])
        self._arity(call, 1)
        fn: dict[str, Callable[[float], float]] = {
            "abs": abs,
            "ceil": lambda x: float(math.ceil(x)) if math.isfinite(x) else x,
            "floor": lambda x: float(math.floor(x)) if math.isfinite(x) else x,
            "sqrt": lambda x: math.sqrt(x) if x >= 0 else math.nan,
            "exp": lambda x: _exp(x),
            "ln": lambda x: math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan),
        }
        op = fn[f]
        return Vector([Sample(_no_name(s.labels), op(s.value)) for s in self._vector_arg(args[0], ts, f)])

    @staticmethod
    def _arity(call: Call, n: int) -> None:
        if len(call.args) != n:
            raise PromQLError(
                f"expected {n} argument{'s' if n != 1 else ''} in call to function {call.func!r}, "
                f"got {len(call.args)}"
            )

    def _range_func(self, f: str, sel: MatrixSel, ts: float) -> list[Sample]:
        t = ts - sel.vector.offset
        r = sel.range
        out = []
        for s in self.select(sel.vector.matchers):
            labels = _no_name(s.labels)
            if f in ("rate", "increase", "delta"):
                # The synthetic counters are closed-form: use the exact change over the window
                # where the series exists at both ends (Prometheus extrapolates to the same).
                end, start = s.fn(t), s.fn(t - r)
                if end is None or start is None:
                    continue
                diff = end - start
                out.append(Sample(labels, diff / r if f == "rate" else diff))
                continue
            samples = self._samples_in(s, t - r, t)
            if not samples:
                continue
            values = [v for _, v in samples]
            if f == "irate":
                if len(samples) < 2:
                    continue
                (t1, v1), (t2, v2) = samples[-2], samples[-1]
                out.append(Sample(labels, (v2 - v1 if v2 >= v1 else v2) / (t2 - t1)))
            elif f == "avg_over_time":
                out.append(Sample(labels, sum(values) / len(values)))
            elif f == "min_over_time":
                out.append(Sample(labels, min(values)))
            elif f == "max_over_time":
                out.append(Sample(labels, max(values)))
            elif f == "sum_over_time":
                out.append(Sample(labels, sum(values)))
            elif f == "count_over_time":
                out.append(Sample(labels, float(len(values))))
            elif f == "last_over_time":
                out.append(Sample(s.labels, values[-1]))
        return out

    def _aggregate(self, agg: Aggregate, ts: float) -> Value:
        inner = self._eval(agg.expr, ts)
        if not isinstance(inner, Vector):
            raise PromQLError(
                f"expected type instant vector in aggregation expression, got {_type_name(inner)}"
            )
        groups: dict[Labels, list[Sample]] = {}
        for s in inner.samples:
            if agg.without:
                key = _drop(s.labels, (*agg.grouping, "__name__"))
            else:
                key = _keep(s.labels, agg.grouping)
            groups.setdefault(key, []).append(s)
        if agg.op in ("topk", "bottomk"):
            assert agg.param is not None
            k = int(self._scalar_arg(agg.param, ts, agg.op))
            chosen: list[Sample] = []
            for members in groups.values():
                ordered = sorted(
                    members,
                    key=lambda s: (math.isnan(s.value), -s.value if agg.op == "topk" else s.value),
                )
                chosen.extend(ordered[: max(k, 0)])
            return Vector(chosen)
        out = []
        for key, members in groups.items():
            values = [s.value for s in members]
            if agg.op == "sum":
                v = sum(values)
            elif agg.op == "avg":
                v = sum(values) / len(values)
            elif agg.op == "min":
                v = min(values)
            elif agg.op == "max":
                v = max(values)
            elif agg.op == "count":
                v = float(len(values))
            else:  # group
                v = 1.0
            out.append(Sample(key, v))
        return Vector(out)

    def _binary(self, b: Binary, ts: float) -> Value:
        lhs = self._eval(b.lhs, ts)
        rhs = self._eval(b.rhs, ts)
        if isinstance(lhs, Matrix) or isinstance(rhs, Matrix):
            raise PromQLError("binary expression must contain only scalar and instant vector types")
        if b.op in ("and", "or", "unless"):
            if not isinstance(lhs, Vector) or not isinstance(rhs, Vector):
                raise PromQLError(f"set operator {b.op!r} not allowed in binary scalar expression")
            return self._set_op(b, lhs, rhs)
        is_cmp = b.op in _COMPARISONS
        if isinstance(lhs, Scalar) and isinstance(rhs, Scalar):
            if is_cmp:
                if not b.return_bool:
                    raise PromQLError("comparisons between scalars must use BOOL modifier")
                return Scalar(1.0 if _CMP[b.op](lhs.value, rhs.value) else 0.0)
            return Scalar(_ARITH[b.op](lhs.value, rhs.value))
        if isinstance(lhs, Vector) and isinstance(rhs, Vector):
            return self._vector_vector(b, lhs, rhs)
        # vector op scalar, scalar op vector
        vec, scalar, vec_left = (lhs, rhs, True) if isinstance(lhs, Vector) else (rhs, lhs, False)
        assert isinstance(vec, Vector) and isinstance(scalar, Scalar)
        out = []
        for s in vec.samples:
            a, c = (s.value, scalar.value) if vec_left else (scalar.value, s.value)
            if is_cmp:
                keep = _CMP[b.op](a, c)
                if b.return_bool:
                    out.append(Sample(_no_name(s.labels), 1.0 if keep else 0.0))
                elif keep:
                    out.append(Sample(s.labels, s.value))
            else:
                out.append(Sample(_no_name(s.labels), _ARITH[b.op](a, c)))
        return Vector(out)

    @staticmethod
    def _signature(b: Binary, labels: Labels) -> Labels:
        if b.on is not None:
            return _keep(labels, b.on)
        return _drop(labels, (*b.ignoring, "__name__"))

    def _set_op(self, b: Binary, lhs: Vector, rhs: Vector) -> Vector:
        rhs_sigs = {self._signature(b, s.labels) for s in rhs.samples}
        if b.op == "and":
            return Vector([s for s in lhs.samples if self._signature(b, s.labels) in rhs_sigs])
        if b.op == "unless":
            return Vector([s for s in lhs.samples if self._signature(b, s.labels) not in rhs_sigs])
        lhs_sigs = {self._signature(b, s.labels) for s in lhs.samples}
        return Vector(lhs.samples + [s for s in rhs.samples if self._signature(b, s.labels) not in lhs_sigs])

    def _vector_vector(self, b: Binary, lhs: Vector, rhs: Vector) -> Vector:
        right: dict[Labels, Sample] = {}
        for s in rhs.samples:
            sig = self._signature(b, s.labels)
            if sig in right:
                raise PromQLError(
                    "found duplicate series for the match group on the right hand-side of the operation; "
                    "many-to-many matching not allowed: matching labels must be unique on one side"
                )
            right[sig] = s
        seen: set[Labels] = set()
        out = []
        is_cmp = b.op in _COMPARISONS
        for s in lhs.samples:
            sig = self._signature(b, s.labels)
            other = right.get(sig)
            if other is None:
                continue
            if sig in seen:
                raise PromQLError(
                    "multiple matches for labels: many-to-one matching must be explicit "
                    "(group_left/group_right)"
                )
            seen.add(sig)
            result_labels = s.labels if is_cmp and not b.return_bool else _no_name(s.labels)
            if b.on is not None:
                result_labels = _keep(result_labels, (*b.on, "__name__"))
            else:
                result_labels = _drop(result_labels, b.ignoring)
            if is_cmp:
                keep = _CMP[b.op](s.value, other.value)
                if b.return_bool:
                    out.append(Sample(result_labels, 1.0 if keep else 0.0))
                elif keep:
                    out.append(Sample(result_labels, s.value))
            else:
                out.append(Sample(result_labels, _ARITH[b.op](s.value, other.value)))
        return Vector(out)


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _type_name(v: Value) -> str:
    if isinstance(v, Scalar):
        return "scalar"
    if isinstance(v, Vector):
        return "instant vector"
    return "range vector"
