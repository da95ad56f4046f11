#!/usr/bin/python3
"""Keep the manual honest: compare the man pages with the code.

  /usr/bin/python3 tests/manual/check_manual.py [-v] [--build DIR]

1. Configuration: every key of the libconfuse tables in cfgd/config.c, with
   its default (CFG_* table) and range (get_int / strtonum checks), against
   the keys, "Default ..." and "A to B" of tsun-proxy.conf(5).  When
   DIR/tsun-cfgd exists (default build/), the defaults it really applies are
   also read back with -nv, once with every section absent (the defaults of
   conf_new()) and once with every section empty (the table defaults).
2. Diagnostics: every format string of log_warn, log_warnx, fatal and fatalx
   (and log.h's variants such as log_warnx_sum) in common/, cfgd/, proxyd/
   and mqttd/ must match a list head of the DIAGNOSTICS section of some man
   page (mandoc -Thtml, markup stripped, quotes and spaces normalised, the
   format's directives as wildcards), or be on the short INTERNAL list
   below with the reason it needs no documentation.  And every such head
   must match some string of the code (or be on GENERIC_HEADS): a line the
   code no longer writes must leave the page.

Every difference is printed; the exit status is 1 if there is any.
"""

import fnmatch
import html
import html.parser
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
SRC_DIRS = ("common", "cfgd", "proxyd", "mqttd")
LOG_FUNCS = ("log_warn", "log_warnx", "fatal", "fatalx")	# and log.h's
ERRNO_FUNCS = ("log_warn", "fatal")	# append ": strerror(errno)"

# (file glob, format glob): why no page needs to list it
INTERNAL = [
    ("common/log.c", "*",
     "log.c's own wrappers: they print the messages of their callers"),
    ("cfgd/cfgd.c", "%s",
     "relays a configuration error line, documented as file:line: message"),
    ("*", "malformed IPC message*",
     "a worker checking tsun-cfgd's or its peer's IPC: only a bug sends one;"
     " cfgd's own line for a bad worker is documented"),
    ("*", "unexpected * from tsun-*",
     "the same: an IPC message of a type the peer never sends"),
    ("mqttd/publish.c", "command response of unknown kind *",
     "tsun-proxyd sent a response kind it never sends: only a bug"),
    ("proxyd/valuedb.c", "*",
     "out of memory or an internal table overflow in the value database"),
    ("common/ev.c", "timer heap", "out of memory in the event loop"),
    ("*", "ev_add", "out of memory in the event loop"),
    ("proxyd/conn.c", "protocol timer id * out of range",
     "programming error: a protocol asked for a timer it does not have"),
    ("proxyd/conn.c", "listener", "out of memory at start-up"),
    ("proxyd/proxyd.c", "resolve", "out of memory"),
    ("mqttd/publish.c", "subscriptions", "out of memory"),
    ("common/worker.c", "conf_new", "out of memory"),
    ("common/sandbox.c", "seccomp*",
     "libseccomp cannot build the filter: only out of memory"),
    ("cfgd/dns.c", "seccomp*",
     "libseccomp cannot build the filter: only out of memory"),
    ("common/sandbox.c", "pledge", "OpenBSD: only a programming error"),
    ("common/sandbox.c", "unveil", "OpenBSD: only a programming error"),
    ("cfgd/dns.c", "pledge", "OpenBSD: only a programming error"),
]


def fail(problems, msg):
    problems.append(msg)


# ---------------------------------------------------------------- C source

def strip_comments(src):
    """Blank out C comments, keeping string literals and newlines."""
    out = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c in "\"'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            out.append(src[i:j + 1])
            i = j + 1
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j == -1 else j + 2
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j == -1 else j
            out.append(" " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def split_args(s, start):
    """Arguments of the call whose '(' is at s[start]; and the end index."""
    depth, i, args, cur = 0, start, [], []
    n = len(s)
    while i < n:
        c = s[i]
        if c in "\"'":
            j = i + 1
            while j < n and s[j] != c:
                j += 2 if s[j] == "\\" else 1
            cur.append(s[i:j + 1])
            i = j + 1
            continue
        if c in "([{":
            depth += 1
            if depth == 1:
                i += 1
                continue
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                args.append("".join(cur).strip())
                return args, i
        elif c == "," and depth == 1:
            args.append("".join(cur).strip())
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    return args, n


C_ESC = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "\"": "\"", "'": "'",
         "0": "\0", "a": "\a"}


def c_string(expr):
    """Value of an expression of adjacent string literals, or None."""
    expr = re.sub(r"\bPRI[diux](8|16|32|64|MAX|PTR)\b", '"d"', expr)
    parts = re.findall(r'\s*"((?:[^"\\]|\\.)*)"\s*', expr)
    if not parts or re.sub(r'\s*"(?:[^"\\]|\\.)*"\s*', "", expr) != "":
        return None
    s = "".join(parts)
    return re.sub(r"\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)",
                  lambda m: (chr(int(m.group(1)[1:], 16))
                             if m.group(1)[0] == "x" else
                             chr(int(m.group(1), 8))
                             if m.group(1)[0] in "01234567" else
                             C_ESC.get(m.group(1), m.group(1))), s)


def c_sources(root):
    for d in SRC_DIRS:
        p = os.path.join(root, d)
        for f in sorted(os.listdir(p)):
            if f.endswith(".c"):
                rel = d + "/" + f
                with open(os.path.join(p, f), encoding="utf-8",
                          errors="replace") as fp:
                    yield rel, strip_comments(fp.read())


def test_hook_lines(src):
    """Line numbers inside #ifdef TSUN_TEST_HOOKS (test builds only)."""
    stack, lines = [], set()
    for no, line in enumerate(src.split("\n"), 1):
        m = re.match(r"\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)", line)
        if m:
            d, rest = m.group(1), m.group(2)
            if d in ("if", "ifdef", "ifndef"):
                stack.append("TSUN_TEST_HOOKS" in rest and d != "ifndef")
            elif d in ("else", "elif") and stack:
                stack[-1] = False
            elif d == "endif" and stack:
                stack.pop()
            continue
        if any(stack):
            lines.add(no)
    return lines


def log_funcs(root):
    """The warning-level functions: LOG_FUNCS and log.h's variants of them
    (log_warnx_sum ...), found by name so a new one is not missed."""
    with open(os.path.join(root, "common", "log.h")) as fp:
        decl = re.findall(r"\b((?:log_warn|fatal)\w*)\s*\(\s*const char\s*\*",
                          fp.read())
    return sorted(set(LOG_FUNCS) | set(decl))


def log_calls(root):
    """(file, line, function, format or None) of every warning call."""
    pat = re.compile(r"\b(%s)\s*\(" % "|".join(log_funcs(root)))
    for rel, src in c_sources(root):
        hooks = test_hook_lines(src)
        for m in pat.finditer(src):
            # a definition: style(9) puts the name at the start of the line
            if m.start() == 0 or src[m.start() - 1] == "\n":
                continue
            args, _ = split_args(src, m.end() - 1)
            line = src.count("\n", 0, m.start()) + 1
            fmt = c_string(args[0]) if args else None
            yield rel, line, m.group(1), fmt, line in hooks


# ---------------------------------------------------------------- mdoc

class Html(html.parser.HTMLParser):
    """A tree of (tag, attrs, children) from mandoc -Thtml."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = ("root", {}, [])
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = (tag, dict(attrs), [])
        self.stack[-1][2].append(node)
        if tag not in ("br", "hr", "img", "meta", "link"):
            self.stack.append(node)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1][2].append(data)


def render(path):
    out = subprocess.run(["mandoc", "-Thtml", "-Ofragment", path],
                         check=True, capture_output=True, text=True).stdout
    p = Html()
    p.feed(out)
    return p.root


def text(node, skip_dl=False):
    if isinstance(node, str):
        return node
    if skip_dl and node[0] == "dl":
        return " "
    return "".join(text(c, skip_dl) for c in node[2])


def norm(s):
    s = re.sub("[\u2018\u2019\u201c\u201d`'\"]", '"', s)
    s = s.replace("\u2014", "-").replace("\u2212", "-").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", s).strip()


def children(node, tag):
    return [c for c in node[2] if not isinstance(c, str) and c[0] == tag]


def sections(root):
    """{section title: section node} for .Sh and .Ss."""
    res = {}

    def walk(n):
        if isinstance(n, str):
            return
        if n[0] == "section":
            h = [c for c in n[2] if not isinstance(c, str) and
                 c[0] in ("h1", "h2")]
            if h:
                res[norm(text(h[0]))] = n
        for c in n[2]:
            walk(c)
    walk(root)
    return res


def dl_items(dl):
    """[(dt node, dd node or None)] of a <dl>."""
    items, last = [], None
    for c in dl[2]:
        if isinstance(c, str):
            continue
        if c[0] == "dt":
            last = [c, None]
            items.append(last)
        elif c[0] == "dd" and last is not None:
            last[1] = c
    return items


def find_all(node, tag, stop=None):
    res = []
    for c in node[2]:
        if isinstance(c, str):
            continue
        if c[0] == tag:
            res.append(c)
        elif stop is None or c[0] not in stop:
            res.extend(find_all(c, tag, stop))
    return res


# ------------------------------------------------------ 1. configuration

def table_keys(src, defines=None):
    """{path: (type, default, flags)} from the cfg_opt_t tables; a
    default may be a name #defined in common/defaults.h."""
    tables = {}
    for m in re.finditer(r"cfg_opt_t\s+(\w+)\s*\[\s*\]\s*=\s*\{", src):
        body, _ = split_args(src, m.end() - 1)
        tables[m.group(1)] = body
    keys = {}

    def walk(tname, prefix):
        for ent in tables[tname]:
            m = re.match(r"CFG_(\w+)\s*\(", ent)
            if not m:
                continue
            args, _ = split_args(ent, m.end() - 1)
            kind, name = m.group(1), c_string(args[0])
            if name is None:
                continue	# LINE_ENTRY and the like: internal
            path = prefix + name
            if kind == "SEC":
                keys[path] = ("SEC", None, args[2])
                walk(args[1], path + ".")
                continue
            dflt = args[1]
            while defines and dflt in defines:
                dflt = defines[dflt]
            if kind in ("STR", "STR_LIST"):
                dflt = None if dflt == "NULL" else c_string(dflt)
                if kind == "STR_LIST" and dflt is not None:
                    dflt = re.findall(r'"((?:[^"\\]|\\.)*)"', dflt)
            elif kind == "BOOL":
                dflt = {"cfg_true": "true", "cfg_false": "false"}[dflt]
            elif kind == "INT":
                dflt = int(dflt.rstrip("lLuU"), 0)
            keys[path] = (kind, dflt, args[-1] if len(args) > 2 else "")
    walk("root_opts", "")
    return keys


def c_number(s, defines):
    s = s.strip()
    while s in defines:
        s = defines[s]
    s = re.sub(r"^\((.*)\)$", r"\1", s.strip())
    return int(s.rstrip("lLuU"), 0)


def code_ranges(src, defines, problems):
    """{leaf key name: set of (min, max)} from get_int and strtonum."""
    ranges = {}
    for m in re.finditer(r"\bget_int\s*\(", src):
        args, _ = split_args(src, m.end() - 1)
        if len(args) < 7 or c_string(args[4]) is None:
            continue
        try:
            r = (c_number(args[5], defines), c_number(args[6], defines))
        except ValueError:
            fail(problems, "config.c: cannot read the range of get_int(%s)"
                 % ", ".join(args))
            continue
        ranges.setdefault(c_string(args[4]), set()).add(r)
    # a string key read with cfg_getstr and checked with strtonum
    var = {}
    for m in re.finditer(r"(\w+)\s*=\s*cfg_getstr\s*\(\s*\w+\s*,\s*"
                         r"\"(\w+)\"\s*\)", src):
        var[m.group(1)] = m.group(2)
    for m in re.finditer(r"\bstrtonum\s*\(", src):
        args, _ = split_args(src, m.end() - 1)
        if len(args) == 4 and args[0] in var:
            ranges.setdefault(var[args[0]], set()).add(
                (c_number(args[1], defines), c_number(args[2], defines)))
    return ranges


def header_defines(root):
    d = {}
    for sub in SRC_DIRS:
        for f in os.listdir(os.path.join(root, sub)):
            if f.endswith((".h", ".c")):
                with open(os.path.join(root, sub, f), encoding="utf-8",
                          errors="replace") as fp:
                    for m in re.finditer(r"^#define\s+(\w+)\s+(\S+)\s*$",
                                         fp.read(), re.M):
                        d[m.group(1)] = m.group(2)
    return d


def parse_default(t):
    """The default stated in an item's own text, or (None, None)."""
    m = re.search(r"\b[Dd]efault:? (\"[^\"]*\"|\{[^}]*\}|[^\s.,;)]+)", t)
    if m:
        v = m.group(1)
    else:
        m = re.search(r"(?:^|[.;:(] )([^\s,]+|[Tt]he empty string), the "
                      r"default\b", t)
        if not m:
            return None, None
        v = m.group(1)
    if v.lower() in ("empty", "the empty string"):
        return "", m
    return v, m


def page_value(v, kind):
    """A page's default in the table's terms."""
    if kind == "STR":
        return v[1:-1] if v.startswith('"') and v.endswith('"') else v
    if kind == "STR_LIST":
        return re.findall(r'"([^"]*)"', v)
    if kind == "INT":
        try:
            return int(v, 0)
        except ValueError:
            return v
    return v


def page_keys(path, problems):
    """{key path: item text} from tsun-proxy.conf(5).

    GLOBAL OPTIONS and its subsections (named after the configuration
    section they describe) and DEVICE BLOCKS: the first Ic of each list
    head is a key, a nested list holds the keys of that subsection.  A
    head "pv1 ... pv6" stands for pv1 to pv6.  A subsection saying "The
    keys are those of X" inherits X's items, its own list overriding them.
    """
    secs = sections(render(path))
    keys = {}

    def head_keys(dt):
        ics = [norm(text(c)) for c in find_all(dt, "code")
               if c[1].get("class") == "Ic"]
        if not ics:
            return []
        m = re.match(r"(\D+)(\d+)$", ics[0])
        if m and len(ics) > 1 and "..." in text(dt):
            m2 = re.match(re.escape(m.group(1)) + r"(\d+)$", ics[1])
            if m2:
                return [m.group(1) + str(i) for i in
                        range(int(m.group(2)), int(m2.group(1)) + 1)]
        return ics[:1]

    def walk_dl(dl, prefixes):
        for dt, dd in dl_items(dl):
            for k in head_keys(dt):
                for p in prefixes:
                    keys[p + k] = norm(text(dd, skip_dl=True)) if dd else ""
                if dd is not None:
                    for sub in find_all(dd, "dl", stop=("dl",)):
                        walk_dl(sub, [p + k + "." for p in prefixes])

    glob = secs.get("GLOBAL OPTIONS")
    if glob is None:
        fail(problems, "tsun-proxy.conf.5: no GLOBAL OPTIONS section")
        return keys
    for dl in find_all(glob, "dl", stop=("dl", "section")):
        walk_dl(dl, [""])
    for sub in find_all(glob, "section", stop=("section",)):
        name = norm(text(children(sub, "h2")[0]))
        body = norm(text(sub, skip_dl=True))
        m = re.search(r"keys are those of (\w+)", body)
        if m:
            for k, v in list(keys.items()):
                if k.startswith(m.group(1) + "."):
                    keys[name + k[len(m.group(1)):]] = v
        for dl in find_all(sub, "dl", stop=("dl",)):
            walk_dl(dl, [name + "."])
    dev = secs.get("DEVICE BLOCKS")
    if dev is None:
        fail(problems, "tsun-proxy.conf.5: no DEVICE BLOCKS section")
        return keys
    kinds, lists = [], find_all(dev, "dl", stop=("dl",))
    for dl in lists:
        items = dl_items(dl)
        if items and all('"' in norm(text(dt)) for dt, _ in items):
            kinds = [head_keys(dt)[0] for dt, _ in items]
            for k in kinds:
                keys[k] = ""
        else:
            walk_dl(dl, [k + "." for k in kinds])
    return keys


def cfgd_printed(build, conf_text):
    """Run tsun-cfgd -nv on a file; {key path: printed value}."""
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
        f.write(conf_text)
        f.flush()
        r = subprocess.run([os.path.join(build, "tsun-cfgd"), "-nv", "-f",
                            f.name], capture_output=True, text=True,
                           timeout=30)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    vals, stack, seen = {}, [], {}
    for line in r.stdout.split("\n"):
        line = re.sub(r"^\s*#\s*(\w+ = \S+) \(default\)$", r"\1", line)
        line = line.strip()
        # a one-line block: name { k = v k = v }
        m = re.match(r"(\w+) \{ (.*) \}$", line)
        if m:
            pre = ".".join(stack + [m.group(1)]) + "."
            for k, v in re.findall(r"(\w+) = (\"(?:[^\"\\]|\\.)*\"|\{[^}]*\}"
                                   r"|\S+)", m.group(2)):
                vals[pre + k] = v
            continue
        m = re.match(r"(\w+)( \"[^\"]*\")? \{$", line)
        if m:
            name = m.group(1)
            if m.group(2):	# device blocks: inverter, inverter~2, ...
                seen[name] = seen.get(name, 0) + 1
                if seen[name] > 1:
                    name += "~%d" % seen[name]
            stack.append(name)
            continue
        if line == "}":
            stack.pop()
            continue
        m = re.match(r"(\w+) = (.*)$", line)
        if m:
            vals[".".join(stack + [m.group(1)])] = m.group(2)
    return vals


def printed_value(v, kind):
    if kind == "STR":
        return v[1:-1].replace('\\"', '"') if v.startswith('"') else v
    if kind == "STR_LIST":
        return re.findall(r'"((?:[^"\\]|\\.)*)"', v)
    if kind == "INT":
        return int(v)
    return v


DYN_DEVICE = """
inverter "Y170000000000001" {
    monitor_sn = 1
    modbus_scanning { start = 0 }
    %s
}
inverter "Y170000000000002" {
    monitor_sn = 2
    client_mode { host = "127.0.0.1" }
}
""" % " ".join("pv%d { }" % i for i in range(1, 7))


def check_config(root, build, problems, verbose):
    conf5 = os.path.join(root, "man", "tsun-proxy.conf.5")
    # the tables and checks are in config.c today; any file of cfgd/ will do
    src = "\n".join(t for rel, t in c_sources(root)
                    if rel.startswith("cfgd/"))
    if not re.search(r"cfg_opt_t\s+root_opts\b", src):
        fail(problems, "cfgd/: no libconfuse table root_opts found: "
             "teach check_manual.py where the configuration is")
        return
    defines = header_defines(root)
    tab = table_keys(src, defines)
    rng = code_ranges(src, defines, problems)
    page = page_keys(conf5, problems)
    where = "tsun-proxy.conf.5"

    for k, (kind, dflt, flags) in sorted(tab.items()):
        if kind == "SEC":
            if k not in page and not any(x.startswith(k + ".")
                                         for x in page):
                fail(problems, "%s: section %s is not documented"
                     % (where, k))
            continue
        if k not in page:
            fail(problems, "%s: key %s (config.c, CFG_%s) is not documented"
                 % (where, k, kind))
            continue
        if kind == "SEC":
            continue
        t = page[k]
        v, _ = parse_default(t)
        required = re.search(r"\b[Rr]equired\b", t) is not None
        if "CFGF_NODEFAULT" in flags and v is None:
            if not required:
                fail(problems, "%s: %s has no default in config.c: the page "
                     "must say it is required or what happens without it"
                     % (where, k))
            elif not re.search(r"%s is required\b" % re.escape(
                    k.split(".")[-1]), src):
                fail(problems, "%s: %s is \"required\" but config.c has no "
                     "\"%s is required\" check" % (where, k,
                                                   k.split(".")[-1]))
        elif v is None:
            fail(problems, "%s: %s: no default stated (config.c: %r)"
                 % (where, k, dflt))
        elif page_value(v, kind) != dflt:
            fail(problems, "%s: %s: default %s, config.c says %r"
                 % (where, k, v, dflt))
        leaf = k.split(".")[-1]
        prange = re.search(r"\b(-?\d+) to (-?\d+)\b", t)
        if kind == "INT" or leaf in rng:
            crs = rng.get(leaf)
            if not crs:
                fail(problems, "config.c: integer %s has no range check "
                     "(get_int)" % k)
                continue
            if len(crs) > 1:
                fail(problems, "config.c: key name %s has several ranges %s:"
                     " teach check_manual.py which is whose" % (leaf,
                                                               sorted(crs)))
                continue
            lo, hi = next(iter(crs))
            if prange is None:
                fail(problems, "%s: %s: no range stated, config.c checks "
                     "%d to %d" % (where, k, lo, hi))
            elif (int(prange.group(1)), int(prange.group(2))) != (lo, hi):
                fail(problems, "%s: %s: range %s to %s, config.c checks "
                     "%d to %d" % (where, k, prange.group(1),
                                   prange.group(2), lo, hi))
    for k in sorted(page):
        if k not in tab:
            fail(problems, "%s: documents key %s, which config.c does not "
                 "have" % (where, k))

    # what the program really applies, when it has been built
    exe = os.path.join(build, "tsun-cfgd")
    if not os.access(exe, os.X_OK):
        print("check_manual: %s not built: -nv defaults not checked" % exe)
        return
    secs = sorted({k.split(".")[0] for k, (kind, _, _) in tab.items()
                   if kind == "SEC" and "." not in k and
                   k not in ("inverter", "battery")})
    nested = {"mqtt": "mqtt { tls { } }",
              "at_acl": "at_acl { tsun { } mqtt { } }"}
    runs = [("absent sections", DYN_DEVICE),
            ("empty sections", "\n".join(nested.get(s, s + " { }")
                                         for s in secs) + DYN_DEVICE)]
    for what, conf in runs:
        try:
            vals = cfgd_printed(build, conf)
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            fail(problems, "tsun-cfgd -nv (%s) failed: %s" % (what, e))
            continue
        for k, (kind, dflt, flags) in sorted(tab.items()):
            if kind == "SEC" or "CFGF_NODEFAULT" in flags:
                continue
            if k.startswith("battery.") or (k.startswith("mqtt.tls.") and
                                            what == "absent sections"):
                continue	# the same table as inverter's; no tls block
            pk = re.sub(r"^inverter\.client_mode\.",
                        "inverter~2.client_mode.", k)
            if pk not in vals:
                fail(problems, "tsun-cfgd -nv (%s) does not print %s"
                     % (what, k))
                continue
            got = printed_value(vals[pk], kind)
            v, _ = parse_default(page.get(k, ""))
            if v is not None and got != page_value(v, kind):
                fail(problems, "%s: %s: default %s, but tsun-cfgd applies "
                     "%r with %s" % (where, k, v, got, what))
            # a default of its own in client mode
            m = re.search(r"in client mode (\d+)", page.get(k, ""))
            if m and k.startswith("inverter.") and \
                    "inverter~2." + k[9:] in vals and \
                    printed_value(vals["inverter~2." + k[9:]], kind) != \
                    int(m.group(1)):
                fail(problems, "%s: %s: in client mode %s, but tsun-cfgd "
                     "applies %s" % (where, k, m.group(1),
                                     vals["inverter~2." + k[9:]]))
    if verbose:
        print("check_manual: %d configuration keys compared" % len(tab))


# ------------------------------------------------------ 2. diagnostics

def diag_heads(root):
    heads = []
    mandir = os.path.join(root, "man")
    for f in sorted(os.listdir(mandir)):
        if not re.search(r"\.[1-9]$", f):
            continue
        sec = sections(render(os.path.join(mandir, f))).get("DIAGNOSTICS")
        if sec is None:
            continue
        for dl in find_all(sec, "dl"):
            for dt, _ in dl_items(dl):
                heads.append((f, norm(text(dt))))
    return heads


DIRECTIVE = re.compile(r"%[-+ #0]*(\*|\d+)?(\.(\*|\d+))?"
                       r"(hh|h|ll|l|j|z|t|L|q)?[diouxXeEfFgGaAcspn%]")


def format_regex(fmt, func):
    """A format string as a pattern over a page's list head."""
    fmt = norm(fmt)
    parts, pos = [], 0
    for m in DIRECTIVE.finditer(fmt):
        parts.append(("lit", fmt[pos:m.start()]))
        parts.append(("dir", "%" if m.group(0) == "%%" else None))
        pos = m.end()
    parts.append(("lit", fmt[pos:]))
    rx = ""
    for kind, v in parts:
        if kind == "dir":
            rx += "%" if v else ".*?"
        else:
            rx += r"\s*".join(re.escape(w) if w else ""
                              for w in re.split(r"\s+", v))
    # a leading "%s: " (the connection or device) may be left out
    rx = re.sub(r"^\.\*\?(:|\\ )\\s\*", r"(?:.*?\1\\s*)?", rx)
    if func in ERRNO_FUNCS:
        rx += r"(?::\s*.*)?"
    if func in ("fatal", "fatalx"):
        rx = r"(?:fatal:\s*)?" + rx
    return re.compile(rx)


def literal_text(fmt):
    return re.sub(r"[\W\d_]+", "", DIRECTIVE.sub("", fmt))


# DIAGNOSTICS heads that name a family of lines, or a line composed from
# several strings, and so match no single string of the code
GENERIC_HEADS = [
    "file:line: message",
    "file: is writable by others (mode mode): refusing to use it",
    "file: is owned by uid uid, not root: refusing to use it",
]


def check_stale(root, heads, problems):
    """Every DIAGNOSTICS head must match some string of the code: a line
    the code no longer writes must leave the page."""
    cands = set()
    for rel, src in c_sources(root):
        for m in re.finditer(r"\b\w+\s*\(", src):
            args, _ = split_args(src, m.end() - 1)
            for a in args:
                v = c_string(a)
                if not v:
                    continue
                # start-up lines on stderr carry the program's name
                for f in (norm(v), re.sub(r"^tsun-\w+: ", "", norm(v))):
                    if literal_text(f):
                        cands.add(f)
    rxs = [format_regex(f, "log_warn") for f in cands]
    for page, h in heads:
        if h in GENERIC_HEADS:
            continue
        # configuration messages get "file:line: " in front
        tries = [h, re.sub(r"^file(:line)?: ", "", h)]
        if not any(r.fullmatch(t) for r in rxs for t in tries):
            fail(problems, "%s: DIAGNOSTICS lists \"%s\", which the code "
                 "no longer writes" % (page, h))


def check_diagnostics(root, problems, verbose):
    heads = diag_heads(root)
    check_stale(root, heads, problems)
    missing, internal, hooks = [], [], []
    for rel, line, func, fmt, hook in log_calls(root):
        where = "%s:%d" % (rel, line)
        if hook:
            hooks.append(where)
            continue
        rx = format_regex(fmt, func) if fmt is not None else None
        if rx is not None and any(rx.fullmatch(h) for _, h in heads):
            continue
        reason = None
        for fglob, mglob, why in INTERNAL:
            if fnmatch.fnmatchcase(rel, fglob) and \
                    fnmatch.fnmatchcase(fmt or "", mglob):
                reason = why
                break
        if reason:
            internal.append((where, fmt, reason))
            continue
        if fmt is None:
            fail(problems, "%s: %s() with a format that is not a string "
                 "literal: write one, or list it in INTERNAL" % (where, func))
            continue
        if not literal_text(fmt):
            fail(problems, "%s: %s(\"%s\") has no text of its own to look "
                 "for: list it in INTERNAL with a reason" % (where, func, fmt))
            continue
        missing.append((where, func, fmt))
    for where, func, fmt in missing:
        fail(problems, "%s: %s(\"%s\") is not in any DIAGNOSTICS section"
             % (where, func, fmt.replace("\n", "\\n")))
    if verbose:
        for where, fmt, reason in internal:
            print("check_manual: internal %s \"%s\": %s" % (where, fmt,
                                                           reason))
        for where in hooks:
            print("check_manual: test builds only: %s" % where)
        print("check_manual: %d DIAGNOSTICS heads" % len(heads))


def selftest():
    """The matching rules themselves, so a lax checker cannot pass."""
    ok = [("%s: cloud backlog full: %llu frames dropped", "log_warnx",
           "conn: cloud backlog full: n frames dropped"),
          ("%s: cloud backlog full: %llu frames dropped", "log_warnx",
           "cloud backlog full: n frames dropped"),
          ("%s died on signal %d%s", "log_warnx",
           "worker died on signal 31 (system call not allowed)"),
          ("bind *:%d", "log_warn", "bind *:port: error"),
          ("chroot %s", "fatal", "fatal: chroot dir: error"),
          ("%s: bad payload \"%s\": %s", "log_warnx",
           "topic: bad payload \u201cpayload\u201d: reason")]
    bad = [("bind %s:%d", "log_warn",
            "cannot bind the new listeners: keeping the running "
            "configuration"),
           ("%s: cloud backlog full: %llu frames dropped", "log_warnx",
            "cloud backlog full"),
           ("unknown user %s", "fatalx", "unknown serial number"),
           ("resolver %s is not an IPv4 address", "log_warnx",
            "resolver address is not an IPv4 address: using the system "
            "resolver")]
    for fmt, func, head in ok:
        assert format_regex(fmt, func).fullmatch(norm(head)), (fmt, head)
    for fmt, func, head in bad:
        assert not format_regex(fmt, func).fullmatch(norm(head)), (fmt, head)
    for t, v in [("Default 1024.", "1024"), ("Default \"/var/empty\".",
                 '"/var/empty"'), ("Password; empty, the default, sends",
                 ""), ("Port, 1 to 65535, default 8899.", "8899"),
                 ("Default {\"AT+\"}.", '{"AT+"}')]:
        assert parse_default(t)[0] == v, (t, parse_default(t))


def main():
    selftest()
    verbose = "-v" in sys.argv
    build = os.path.join(ROOT, "build")
    if "--build" in sys.argv:
        build = os.path.abspath(sys.argv[sys.argv.index("--build") + 1])
    problems = []
    check_config(ROOT, build, problems, verbose)
    check_diagnostics(ROOT, problems, verbose)
    for p in problems:
        print("check_manual: " + p)
    if problems:
        print("check_manual: %d difference(s) between the manual and the "
              "code" % len(problems))
        return 1
    print("check_manual: manual and code agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
