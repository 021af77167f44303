/* Live show/hide of questionnaire items from their XLSForm `relevant` expressions.
 *
 * Mirrors infobase/questionnaires/expressions.py (same grammar and XPath semantics) without
 * eval/Function. Elements with data-relevant="expr" inside form[data-questionnaire] get the
 * `hidden` attribute (and their controls `disabled`) while the expression is false. Answers are
 * read from controls named "q-<item name>"; checkboxes sharing a name form a select_multiple.
 * An expression that does not parse or evaluate leaves its element visible: the server decides
 * on save. Inside repeats (data-path="2"), ${name} reads the same instance's "q-name@2" first.
 * Options inside [data-choice-filter="expr"] carry data-choice (name) and data-choice-columns
 * (JSON); those the filter leaves out are hidden. input[data-calculate] holds a calculate row.
 */
(function () {
  "use strict";

  var MAX_LENGTH = 5000, MAX_NESTING = 48, MAX_REGEX_LENGTH = 200, MAX_REGEX_SUBJECT = 10000;
  // Letters beyond ASCII, except the General Punctuation block (typographic quotes).
  var WIDE = "\\u00C0-\\u1FFF\\u2070-\\uFFFF", PART = "[A-Za-z_" + WIDE + "][\\w.\\-" + WIDE + "]*";
  var NAME = PART + "(?::" + PART + ")?";
  var TOKEN = new RegExp([  // groups: whitespace number string ${ref} .. . operator name
    "(\\s+)", "(\\d+(?:\\.\\d*)?|\\.\\d+)", "('[^']*'|\"[^\"]*\")",
    "\\$\\{\\s*(" + NAME + ")\\s*\\}", "(\\.\\.)", "(\\.)",
    "(!=|<=|>=|=|<|>|\\+|-|\\*|\\(|\\)|,)", "(" + NAME + ")"].join("|"), "y");
  var KINDS = [null, "ws", "number", "string", "ref", "dotdot", "dot", "op", "name"];
  var POWER = { or: 1, and: 2, "=": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4,
    "+": 5, "-": 5, "*": 6, div: 6, mod: 6 };
  var ARITY = Object.create(null);  // name -> [min, max] arguments
  [[0, 0, "true false pi today now"], [0, 1, "string number string-length"],
    [1, 1, "not boolean int floor ceiling abs sqrt exp log log10 sin cos tan asin acos atan sum " +
      "count-selected date"],
    [1, 2, "round jr:choice-name"], [1, 99, "max min concat"], [2, 3, "substr"], [3, 3, "if"],
    [2, 2, "coalesce pow atan2 selected regex contains starts-with ends-with substring-before " +
      "substring-after"]].forEach(function (row) {
    row[2].split(" ").forEach(function (name) { ARITY[name] = row.slice(0, 2); });
  });

  function fail(message) { throw new Error(message); }
  function own(object, key) { return Object.prototype.hasOwnProperty.call(object, key); }

  function tokenize(expr) {
    if (expr.length > MAX_LENGTH) fail("too long");
    var tokens = [], pos = 0, m;
    while (pos < expr.length) {
      TOKEN.lastIndex = pos;
      if (!(m = TOKEN.exec(expr))) fail("unexpected character at " + pos);
      for (var g = 2; g < KINDS.length; g++) {
        if (m[g] !== undefined) { tokens.push({ kind: KINDS[g], text: m[g] }); break; }
      }
      pos = TOKEN.lastIndex;
    }
    tokens.push({ kind: "end", text: "" });
    return tokens;
  }

  function parse(expr) {
    var tokens = tokenize(expr), i = 0, nesting = 0;
    function peek() { return tokens[i]; }
    function next() { return tokens[i].kind === "end" ? tokens[i] : tokens[i++]; }
    function isOp(t, text) { return t.kind === "op" && t.text === text; }
    function infix(t) {
      if (t.kind === "op" && own(POWER, t.text)) return t.text;
      if (t.kind === "name" && /^(and|or|div|mod)$/.test(t.text)) return t.text;
      return null;
    }
    function expression(min) {
      if (++nesting > MAX_NESTING) fail("nested too deeply");
      var left = prefix(), op;
      while ((op = infix(peek())) && POWER[op] > min) {
        next();
        var right = expression(POWER[op]);
        if ((op === "and" || op === "or") && left.t === "logic" && left.op === op) {
          left.args.push(right);
        } else if (op === "and" || op === "or") {
          left = { t: "logic", op: op, args: [left, right] };
        } else {
          left = { t: "bin", op: op, left: left, right: right };
        }
      }
      nesting--;
      return left;
    }
    function prefix() {
      var t = next();
      if (t.kind === "number") return { t: "lit", v: parseFloat(t.text) };
      if (t.kind === "string") return { t: "lit", v: t.text.slice(1, -1) };
      if (t.kind === "ref") return { t: "ref", name: t.text };
      if (t.kind === "dot") return { t: "cur" };
      if (t.kind === "name" && isOp(peek(), "(")) return call(t.text);
      if (t.kind === "name") return { t: "name", name: t.text };
      if (isOp(t, "(")) { var inner = expression(0); expect(")"); return inner; }
      if (isOp(t, "-")) return { t: "neg", arg: expression(7) };
      return fail("unexpected " + (t.text || "end"));
    }
    function expect(text) { if (!isOp(next(), text)) fail("expected " + text); }
    function call(name) {
      var arity = ARITY[name] || fail("unsupported function " + name), args = [];
      expect("(");
      if (!isOp(peek(), ")")) {
        args.push(expression(0));
        while (isOp(peek(), ",")) { next(); args.push(expression(0)); }
      }
      expect(")");
      if (args.length < arity[0] || args.length > arity[1]) fail("wrong arguments to " + name);
      if (name === "regex" && args[1].t === "lit") checkRegex(str(args[1].v));
      return { t: "call", name: name, args: args };
    }
    if (peek().kind === "end") fail("empty");
    var node = expression(0);
    if (peek().kind !== "end") fail("unexpected " + peek().text);
    return node;
  }

  /* -- XPath values: string | number | boolean | array (select_multiple) | {days, iso} date */
  var NUMBER = /^\s*-?(?:\d+(?:\.\d*)?|\.\d+)\s*$/;
  function isDate(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }
  function makeDate(y, m, d) {
    var ms = Date.UTC(y, m - 1, d);
    return { days: ms / 864e5, iso: new Date(ms).toISOString().slice(0, 10) };
  }
  function parseDate(text) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
    if (m) return makeDate(+m[1], +m[2], +m[3]);
    var ms = /^\d{4}-\d{2}-\d{2}T/.test(text.trim()) ? Date.parse(text) : NaN;
    return isNaN(ms) ? null : { days: ms / 864e5, iso: text.trim() };
  }
  function str(v) {
    if (typeof v === "string") return v;
    if (typeof v === "boolean" || typeof v === "number") return String(v);  // NaN, Infinity too
    return Array.isArray(v) ? v.join(" ") : v.iso;
  }
  function num(v) {
    if (typeof v === "number") return v;
    if (typeof v === "boolean") return v ? 1 : 0;
    if (isDate(v)) return v.days;
    var s = str(v);
    return NUMBER.test(s) ? parseFloat(s) : NaN;
  }
  function bool(v) {
    if (typeof v === "number") return v !== 0 && !isNaN(v);
    return typeof v === "boolean" ? v : isDate(v) || v.length > 0;
  }
  function numeric(v) {
    return typeof v === "number" || (typeof v !== "boolean" && !isDate(v) && NUMBER.test(str(v)));
  }
  function asDays(v) {
    if (isDate(v)) return v.days;
    if (typeof v === "number") return isNaN(v) ? null : v;
    var d = parseDate(str(v));
    return d ? d.days : null;
  }
  function items(v) { return (Array.isArray(v) ? v : str(v).split(/\s+/)).filter(Boolean); }
  var CMP = {
    "=": function (a, b) { return a === b; }, "!=": function (a, b) { return a !== b; },
    "<": function (a, b) { return a < b; }, "<=": function (a, b) { return a <= b; },
    ">": function (a, b) { return a > b; }, ">=": function (a, b) { return a >= b; } };
  function cmp(op, a, b) { return CMP[op](a, b); }
  function compare(op, a, b) {
    var eq = op === "=" || op === "!=";
    if (typeof a === "boolean" || typeof b === "boolean") {
      return eq ? cmp(op, bool(a), bool(b)) : cmp(op, num(a), num(b));
    }
    if (isDate(a) || isDate(b)) {
      var x = asDays(a), y = asDays(b);
      return x === null || y === null ? op === "!=" && str(a) !== str(b) : cmp(op, x, y);
    }
    if (numeric(a) && numeric(b)) return cmp(op, num(a), num(b));
    var s = str(a), t = str(b);
    return !eq && (!s || !t) ? false : cmp(op, s, t);
  }
  var ARITHMETIC = {
    "+": function (a, b) { return a + b; }, "-": function (a, b) { return a - b; },
    "*": function (a, b) { return a * b; }, div: function (a, b) { return a / b; },
    mod: function (a, b) { return b === 0 || !isFinite(a) ? NaN : a % b; } };
  function round(x, digits) {
    var d = Math.max(-20, Math.min(20, Math.trunc(digits || 0)));
    if (!isFinite(x)) return x;
    var r = Number(Math.round(Number(Math.abs(x) + "e" + d)) + "e" + -d);
    if (isNaN(r)) r = Math.round(Math.abs(x) * Math.pow(10, d)) / Math.pow(10, d);
    return x < 0 ? -r : r;
  }
  // The server refuses risky patterns ((a+)+ ...) when the form is imported; only the length here.
  function checkRegex(pattern) {
    if (pattern.length > MAX_REGEX_LENGTH) fail("regex too long");
    return new RegExp(pattern);
  }
  function regex(subject, pattern) {
    if (subject.length > MAX_REGEX_SUBJECT) fail("text too long for regex");
    return checkRegex(pattern).test(subject);
  }
  function today() {
    var n = new Date();
    return makeDate(n.getFullYear(), n.getMonth() + 1, n.getDate());
  }
  function toDate(v) {
    if (isDate(v)) return v;
    if (typeof v === "number") return isNaN(v) ? "" : makeDate(1970, 1, 1 + Math.trunc(v));
    if (!str(v).trim()) return "";
    return parseDate(str(v)) || fail("not a date");
  }
  function numbers(args) { return [].concat.apply([], args).map(num); }
  var MATH = { sqrt: Math.sqrt, exp: Math.exp, log: Math.log, log10: Math.log10, sin: Math.sin,
    cos: Math.cos, tan: Math.tan, asin: Math.asin, acos: Math.acos, atan: Math.atan, abs: Math.abs,
    floor: Math.floor, ceiling: Math.ceil, int: Math.trunc, pow: Math.pow, atan2: Math.atan2 };

  function call(node, ctx) {
    var n = node.name;
    if (n === "if") return evaluate(node.args[bool(evaluate(node.args[0], ctx)) ? 1 : 2], ctx);
    if (n === "coalesce") {
      var first = evaluate(node.args[0], ctx);
      return str(first) !== "" ? first : evaluate(node.args[1], ctx);
    }
    var a = node.args.map(function (arg) { return evaluate(arg, ctx); });
    var one = a.length ? a[0] : ctx.current;
    switch (n) {
      case "true": return true;
      case "false": return false;
      case "not": return !bool(one);
      case "boolean": return bool(one);
      case "string": return str(one);
      case "number": return num(one);
      case "jr:choice-name": return one;
      case "selected": return items(a[0]).indexOf(str(a[1]).trim()) >= 0;
      case "count-selected": return items(one).length;
      case "string-length": return str(one).length;
      case "regex": return regex(str(a[0]), str(a[1]));
      case "contains": return str(a[0]).indexOf(str(a[1])) >= 0;
      case "starts-with": return str(a[0]).startsWith(str(a[1]));
      case "ends-with": return str(a[0]).endsWith(str(a[1]));
      case "concat": return a.map(str).join("");
      case "substr": {
        var s = str(a[0]), start = num(a[1]), end = a.length > 2 ? num(a[2]) : s.length;
        if (isNaN(start) || isNaN(end)) return "";
        start = Math.max(0, Math.trunc(start));
        return s.slice(start, Math.max(start, Math.trunc(end)));
      }
      case "substring-before": case "substring-after": {
        var text = str(a[0]), sep = str(a[1]), k = text.indexOf(sep);
        if (n === "substring-after") return k >= 0 ? text.slice(k + sep.length) : "";
        return sep && k >= 0 ? text.slice(0, k) : "";
      }
      case "today": return today();
      case "now": return { days: Date.now() / 864e5, iso: new Date().toISOString() };
      case "date": return toDate(one);
      case "pi": return Math.PI;
      case "round": return round(num(a[0]), a.length > 1 ? num(a[1]) : 0);
      case "sum": return numbers(a).reduce(function (x, y) { return x + y; }, 0);
      case "max": case "min": return numbers(a).some(isNaN) ? NaN : Math[n].apply(null, numbers(a));
      default: return MATH[n].apply(null, a.map(num));
    }
  }

  function evaluate(node, ctx) {
    switch (node.t) {
      case "lit": return node.v;
      case "ref": {
        var v = own(ctx.values, node.name) ? ctx.values[node.name] : null;
        return v === undefined || v === null ? "" : v;
      }
      case "cur": return ctx.current;
      case "name": {  // only in choice filters: a column of the choice ("name": its own name)
        if (!ctx.columns) return fail("bare name " + node.name);
        if (node.name === "name") return ctx.choiceName;
        var column = own(ctx.columns, node.name) ? ctx.columns[node.name] : null;
        return column === undefined || column === null ? "" : column;
      }
      case "neg": return -num(evaluate(node.arg, ctx));
      case "logic":
        return node.op === "and"
          ? node.args.every(function (x) { return bool(evaluate(x, ctx)); })
          : node.args.some(function (x) { return bool(evaluate(x, ctx)); });
      case "bin": {
        var l = evaluate(node.left, ctx), r = evaluate(node.right, ctx);
        return own(CMP, node.op) ? compare(node.op, l, r) : ARITHMETIC[node.op](num(l), num(r));
      }
      default: return call(node, ctx);
    }
  }

  /* -- DOM wiring */
  var cache = new Map();
  function compiled(expr) {
    if (!cache.has(expr)) {
      try { cache.set(expr, parse(expr)); } catch (e) { cache.set(expr, null); }
    }
    return cache.get(expr);
  }
  function isRelevant(expr, values) {
    var node = expr.trim() ? compiled(expr) : null;
    if (!node) return true;
    try { return bool(evaluate(node, { values: values, current: "" })); } catch (e) { return true; }
  }
  function readValues(form) {
    var values = Object.create(null);
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name.indexOf("q-") !== 0) return;
      var name = el.name.slice(2), hidden = !!el.closest("[hidden]");
      if (el.type === "checkbox") {
        values[name] = values[name] || [];
        if (el.checked && !hidden) values[name].push(el.value);
      } else if (el.type === "radio") {
        if (!(name in values)) values[name] = "";
        if (el.checked && !hidden) values[name] = el.value;
      } else if (el.tagName === "SELECT" && el.multiple) {
        values[name] = hidden ? [] : Array.prototype.filter.call(el.options, function (o) {
          return o.selected;
        }).map(function (o) { return o.value; });
      } else {
        values[name] = hidden ? "" : el.value;
      }
    });
    return values;
  }
  // The answers an element at `path` reads: the top level, overlaid by each enclosing repeat
  // instance's own answers (inside "Visit 2", ${date} is Visit 2's date).
  function scoped(values, path) {
    if (!path) return values;
    var scope = Object.create(null), parts = path.split("."), key;
    for (key in values) if (key.indexOf("@") < 0) scope[key] = values[key];
    for (var depth = 1; depth <= parts.length; depth++) {
      var suffix = "@" + parts.slice(0, depth).join(".");
      for (key in values) {
        var at = key.length - suffix.length;
        if (at > 0 && key.slice(at) === suffix) scope[key.slice(0, at)] = values[key];
      }
    }
    return scope;
  }
  function pathOf(el) {
    var holder = el.closest("[data-path]");
    return holder ? holder.getAttribute("data-path") : "";
  }
  function allows(expr, values, columns, choiceName) {
    var node = expr.trim() ? compiled(expr) : null;
    if (!node) return true;
    try {
      return bool(evaluate(node, { values: values, current: "", columns: columns || {},
        choiceName: choiceName }));
    } catch (e) { return true; }
  }
  // Options a choice filter leaves out are hidden (and a chosen one is cleared, as in ODK).
  function filterChoices(form, values) {
    form.querySelectorAll("[data-choice-filter]").forEach(function (box) {
      var expr = box.getAttribute("data-choice-filter"), scope = scoped(values, pathOf(box));
      box.querySelectorAll("[data-choice-columns]").forEach(function (option) {
        var columns;
        try { columns = JSON.parse(option.getAttribute("data-choice-columns")); } catch (e) { columns = {}; }
        var ok = allows(expr, scope, columns, option.getAttribute("data-choice"));
        option.hidden = !ok;
        if (option.tagName === "OPTION") {
          option.disabled = !ok;
          if (!ok && option.selected) option.parentNode.value = "";
        } else {
          var input = option.querySelector("input");
          if (input && !ok && input.checked) input.checked = false;
        }
      });
    });
  }
  // Calculate rows are hidden inputs whose value is recomputed in form order.
  function calculate(form) {
    form.querySelectorAll("input[data-calculate]").forEach(function (input) {
      var node = compiled(input.getAttribute("data-calculate")), value = "";
      if (node) {
        try {
          value = str(evaluate(node, { values: scoped(readValues(form), pathOf(input)),
            current: "" }));
        } catch (e) { value = ""; }
      }
      input.value = value;
    });
  }
  function update(form) {
    var targets = form.querySelectorAll("[data-relevant]");
    // Hiding one item can change another's relevance: repeat until nothing changes.
    for (var pass = 0; pass <= targets.length; pass++) {
      calculate(form);
      var values = readValues(form), changed = false;
      Array.prototype.forEach.call(targets, function (el) {
        var hide = !isRelevant(el.getAttribute("data-relevant"), scoped(values, pathOf(el)));
        if (el.hidden !== hide) { el.hidden = hide; changed = true; }
      });
      if (!changed) break;
    }
    filterChoices(form, readValues(form));
    // Controls of hidden items are disabled (so not submitted); re-enable only those we disabled.
    var controls = "[data-relevant] input, [data-relevant] select, [data-relevant] textarea";
    form.querySelectorAll(controls).forEach(function (control) {
      var off = !!control.closest("[data-relevant][hidden]");
      if (off && !control.disabled) {
        control.disabled = true;
        control.setAttribute("data-relevance-disabled", "");
      } else if (!off && control.hasAttribute("data-relevance-disabled")) {
        control.disabled = false;
        control.removeAttribute("data-relevance-disabled");
      }
    });
    form.dispatchEvent(new CustomEvent("infobase:updated", { bubbles: true }));
  }
  function init(root) {
    (root || document).querySelectorAll("form[data-questionnaire]").forEach(function (form) {
      var refresh = function () { update(form); };
      form.addEventListener("input", refresh);
      form.addEventListener("change", refresh);
      refresh();
    });
  }

  function evaluateText(expr, values, current) {
    current = current === undefined || current === null ? "" : current;
    return evaluate(parse(expr), { values: values || {}, current: current });
  }
  var api = { parse: parse, evaluate: evaluateText, isRelevant: isRelevant, toString: str,
    init: init, refresh: update, allows: allows, scoped: scoped };
  if (typeof module === "object" && module.exports) module.exports = api;
  if (typeof window !== "undefined") {
    window.InfobaseRelevance = api;
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", function () { init(); });
    } else {
      init();
    }
  }
})();
