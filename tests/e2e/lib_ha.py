"""Home Assistant's rules for MQTT discovery, written down as data, and a
checker that applies them to what tsun-mqttd published.

The rules are those of Home Assistant core: the discovery abbreviation
tables (components/mqtt/abbreviations.py), the sensor and number schemas
(components/mqtt/sensor.py, number.py), the units each device class
accepts and the state classes that go with it (components/sensor/const.py
DEVICE_CLASS_UNITS, DEVICE_CLASS_STATE_CLASSES; components/number/const.py),
the entity categories, ensure_via_device_exists (mqtt/entity.py: a
via_device that no discovery message announces becomes an empty device),
the entity naming rule (the device name is put in front of the entity
name) and the template engine (value templates rendered with value_json;
an undefined key is a warning, a filter without default on bad input an
error).  Templates are rendered with Debian's jinja2 and Home Assistant's
filters; an undefined value counts as an error here.

Needs /usr/bin/python3 with python3-jinja2.
"""

import json
import math
import os
import re

import lib

lib.need_modules("jinja2")
import jinja2  # noqa: E402
import jinja2.sandbox  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

# ----------------------------------------------------------------------
# the rules

# keys of an entity config (abbreviation -> full name); full names are
# accepted as they are
ABBREVIATIONS = {
    "avty": "availability", "avty_mode": "availability_mode",
    "avty_t": "availability_topic", "avty_tpl": "availability_template",
    "cmd_t": "command_topic", "cmd_tpl": "command_template",
    "dev": "device", "dev_cla": "device_class", "e": "encoding",
    "en": "enabled_by_default", "ent_cat": "entity_category",
    "ent_pic": "entity_picture", "exp_aft": "expire_after",
    "frc_upd": "force_update", "ic": "icon",
    "json_attr_t": "json_attributes_topic",
    "json_attr_tpl": "json_attributes_template",
    "max": "max", "min": "min", "mode": "mode", "name": "name",
    "o": "origin", "obj_id": "object_id", "opt": "optimistic",
    "ops": "options", "p": "platform", "pl_avail": "payload_available",
    "pl_not_avail": "payload_not_available", "pl_rst": "payload_reset",
    "qos": "qos", "ret": "retain", "stat_cla": "state_class",
    "stat_t": "state_topic", "step": "step",
    "sug_dsp_prc": "suggested_display_precision", "t": "topic",
    "uniq_id": "unique_id", "unit_of_meas": "unit_of_measurement",
    "val_tpl": "value_template",
}
DEVICE_ABBREVIATIONS = {
    "cns": "connections", "cu": "configuration_url", "ids": "identifiers",
    "name": "name", "mf": "manufacturer", "mdl": "model",
    "mdl_id": "model_id", "hw": "hw_version", "sw": "sw_version",
    "sa": "suggested_area", "sn": "serial_number",
    "via_device": "via_device",
}
ORIGIN_ABBREVIATIONS = {"name": "name", "sw": "sw_version",
                        "url": "support_url"}
AVAILABILITY_KEYS = {"topic", "payload_available", "payload_not_available",
                     "value_template"}

COMMON_KEYS = {
    "availability", "availability_mode", "availability_topic",
    "availability_template", "device", "enabled_by_default", "encoding",
    "entity_category", "entity_picture", "icon", "json_attributes_topic",
    "json_attributes_template", "name", "object_id", "origin",
    "payload_available", "payload_not_available", "qos", "unique_id",
    "platform",
}
COMPONENT_KEYS = {
    "sensor": COMMON_KEYS | {
        "device_class", "expire_after", "force_update", "state_class",
        "state_topic", "suggested_display_precision",
        "unit_of_measurement", "value_template", "options",
    },
    "number": COMMON_KEYS | {
        "command_template", "command_topic", "device_class", "max", "min",
        "mode", "optimistic", "payload_reset", "retain", "state_topic",
        "step", "unit_of_measurement", "value_template",
    },
    "select": COMMON_KEYS | {
        "command_template", "command_topic", "optimistic", "options",
        "retain", "state_topic", "value_template",
    },
}
REQUIRED = {"sensor": {"state_topic"}, "number": {"command_topic"},
            "select": {"command_topic", "options"}}

# components/sensor/const.py, for the classes a solar proxy may use
DEVICE_CLASS_UNITS = {
    "apparent_power": {"VA", "kVA"},
    "battery": {"%"},
    "current": {"A", "mA"},
    "duration": {"d", "h", "min", "s", "ms"},
    "energy": {"J", "kJ", "MJ", "GJ", "mWh", "Wh", "kWh", "MWh", "GWh",
               "TWh", "cal", "kcal", "Mcal", "Gcal"},
    "frequency": {"Hz", "kHz", "MHz", "GHz"},
    "power": {"mW", "W", "kW", "MW", "GW", "TW", "BTU/h"},
    "power_factor": {"%", None},
    "signal_strength": {"dB", "dBm"},
    "temperature": {"\u00b0C", "\u00b0F", "K"},
    "voltage": {"\u00b5V", "mV", "V", "kV", "MV"},
}
DEVICE_CLASS_STATE_CLASSES = {
    "apparent_power": {"measurement"},
    "battery": {"measurement"},
    "current": {"measurement"},
    "duration": {"measurement", "total", "total_increasing"},
    "energy": {"total", "total_increasing"},
    "frequency": {"measurement"},
    "power": {"measurement"},
    "power_factor": {"measurement"},
    "signal_strength": {"measurement"},
    "temperature": {"measurement"},
    "voltage": {"measurement"},
}
STATE_CLASSES = {"measurement", "total", "total_increasing"}
# components/number/const.py: NumberDeviceClass units (the ones we may use)
NUMBER_DEVICE_CLASS_UNITS = {
    "power": DEVICE_CLASS_UNITS["power"],
    "power_factor": {"%", None},
    "voltage": DEVICE_CLASS_UNITS["voltage"],
    "current": DEVICE_CLASS_UNITS["current"],
    "energy": DEVICE_CLASS_UNITS["energy"],
}
ENTITY_CATEGORIES = {"config", "diagnostic"}
# a sensor cannot be a configuration entity
ENTITY_CATEGORIES_BY_COMPONENT = {"sensor": {"diagnostic"},
                                  "number": ENTITY_CATEGORIES,
                                  "select": ENTITY_CATEGORIES}
AVAILABILITY_MODES = {"all", "any", "latest"}
NUMBER_MODES = {"auto", "box", "slider"}
ID_RX = re.compile(r"^[a-zA-Z0-9_-]+$")


# ----------------------------------------------------------------------
# the template engine as Home Assistant sets it up

class _Sentinel:
    pass


_NODEF = _Sentinel()


class TemplateError(Exception):
    pass


def _no_default(name, value):
    raise TemplateError("%s got invalid input %r and no default was "
                        "specified" % (name, value))


def _float(value, default=_NODEF):
    try:
        return float(value)
    except (ValueError, TypeError):
        if default is _NODEF:
            _no_default("float", value)
        return default


def _int(value, default=_NODEF, base=10):
    r = jinja2.filters.do_int(value, default=_NODEF, base=base)
    if r is _NODEF:
        if default is _NODEF:
            _no_default("int", value)
        return default
    return r


def _round(value, precision=0, method="common", default=_NODEF):
    try:
        value = float(value)
        if method == "ceil":
            return math.ceil(value * 10 ** precision) / 10 ** precision
        if method == "floor":
            return math.floor(value * 10 ** precision) / 10 ** precision
        if method == "half":
            return round(value * 2) / 2.0
        return round(value, precision)
    except (ValueError, TypeError):
        if default is _NODEF:
            _no_default("round", value)
        return default


def _bitwise_and(a, b):
    return a & b


def _bitwise_or(a, b):
    return a | b


class _State:
    state = "unknown"


def environment():
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined)
    env.filters.update({"float": _float, "int": _int, "round": _round,
                        "bitwise_and": _bitwise_and,
                        "bitwise_or": _bitwise_or})
    env.globals.update({"float": _float, "int": _int, "round": _round})
    return env


_ENV = environment()


def render(tpl, value_json, payload=None):
    """The text Home Assistant makes of a state message (stripped, as
    async_render does); TemplateError on errors and undefined values."""
    try:
        t = _ENV.from_string(tpl)
        out = t.render(value_json=value_json,
                       value=payload if payload is not None
                       else json.dumps(value_json), this=_State())
    except jinja2.exceptions.UndefinedError as e:
        raise TemplateError("undefined: %s" % e)
    except jinja2.exceptions.TemplateError as e:
        raise TemplateError("%s: %s" % (type(e).__name__, e))
    except (TypeError, ValueError, KeyError) as e:
        raise TemplateError("%s: %s" % (type(e).__name__, e))
    return out.strip()


# value_json['a'] or value_json['a']['b'], and whether a default follows
_REF_RX = re.compile(r"value_json((?:\[\s*'[^']+'\s*\])+)(\s*\|\s*default\()?")
_KEY_RX = re.compile(r"'([^']+)'")


_GUARD_RX = re.compile(r"'([^']+)'\s+in\s+value_json((?:\[\s*'[^']+'\s*\])*)")


def template_refs(tpl):
    """[(path tuple, handled)] of the values a template reads; handled:
    a default follows, or the template tests for the key first."""
    guards = set()
    for m in _GUARD_RX.finditer(tpl):
        guards.add(tuple(_KEY_RX.findall(m.group(2))) + (m.group(1),))
    out = []
    for m in _REF_RX.finditer(tpl):
        path = tuple(_KEY_RX.findall(m.group(1)))
        out.append((path, m.group(2) is not None or path in guards))
    return out


def lookup(obj, path):
    for k in path:
        if not isinstance(obj, dict) or k not in obj:
            return False
        obj = obj[k]
    return True


# ----------------------------------------------------------------------
# the bit names of the register table (common/registers.c)

def register_bitfields(path=None):
    """{(group, sub, key): (zero text, [16 bit names])} from the table:
    static const char *const x[16] = { ... }; and the rows naming them."""
    path = path or os.path.join(TOP, "common", "registers.c")
    with open(path) as f:
        src = f.read()
    arrays = {}
    for m in re.finditer(r"static const char\s*\*\s*const\s+(\w+)\[\s*16\s*\]"
                         r"\s*=\s*\{(.*?)\};", src, re.S):
        arrays[m.group(1)] = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))
    out = {}
    for m in re.finditer(r"\[REG_\w+\]\s*=\s*\{(.*?)\n\t\}", src, re.S):
        row = m.group(1)
        b = re.search(r"\.bits\s*=\s*(\w+)", row)
        if not b:
            continue
        g = re.search(r'\.group\s*=\s*"([^"]*)"', row).group(1)
        s = re.search(r'\.sub\s*=\s*(NULL|"[^"]*")', row).group(1)
        k = re.search(r'\.key\s*=\s*"([^"]*)"', row).group(1)
        z = re.search(r'\.bits_zero\s*=\s*"([^"]*)"', row)
        out[(g, None if s == "NULL" else s.strip('"'), k)] = (
            z.group(1) if z else None, arrays[b.group(1)])
    return out


# ----------------------------------------------------------------------
# the checker

class Report:
    def __init__(self):
        self.errors = []
        self.warnings = []

    def error(self, where, msg):
        self.errors.append("%s: %s" % (where, msg))

    def warn(self, where, msg):
        self.warnings.append("%s: %s" % (where, msg))

    def text(self, limit=40):
        lines = ["ERROR " + e for e in self.errors[:limit]]
        lines += ["WARNING " + w for w in self.warnings[:limit]]
        more = len(self.errors) + len(self.warnings) - len(lines)
        if more > 0:
            lines.append("... and %d more" % more)
        return "\n".join(lines)


def _expand(obj, table, where, rep, what):
    out = {}
    for k, v in obj.items():
        full = table.get(k, k)
        if full not in table.values():
            rep.error(where, "%s key %r is neither a valid abbreviation nor "
                      "a key Home Assistant knows" % (what, k))
        if full in out:
            rep.error(where, "%s key %r given twice" % (what, full))
        out[full] = v
    return out


def _is_number(text):
    try:
        v = float(text)
    except (TypeError, ValueError):
        return False
    return not math.isnan(v)


def parse_discovery(msgs, prefix="homeassistant"):
    """{topic: (component, config dict)} of the last non-empty discovery
    message of every topic (an empty one removes the entity)."""
    last = {}
    for m in msgs:
        if not m.topic.startswith(prefix + "/") or \
                not m.topic.endswith("/config"):
            continue
        last[m.topic] = m
    out = {}
    for t, m in last.items():
        if m.payload in (b"", b"{}"):
            continue
        out[t] = (t.split("/")[1], m)
    return out


def check(msgs, retained=None, prefix="homeassistant", bitfields=None):
    """Apply the rules to every message seen (lib.Message list).
    retained: {topic: payload} of the retained messages (availability).
    Returns a Report."""
    rep = Report()
    bitfields = register_bitfields() if bitfields is None else bitfields
    disc = parse_discovery(msgs, prefix)
    states = {}
    for m in msgs:
        if m.topic.startswith(prefix + "/"):
            continue
        states.setdefault(m.topic, []).append(m)
    retained = retained or {}

    entities = []
    devices = {}
    uids = {}
    for topic, (comp, m) in sorted(disc.items()):
        where = topic
        if retained.get(topic) != m.payload:
            rep.warn(where, "discovery not retained")
        parts = topic.split("/")
        if len(parts) not in (4, 5) or not all(ID_RX.match(p)
                                               for p in parts[2:-1]):
            rep.error(where, "discovery topic not <prefix>/<component>/"
                      "[<node_id>/]<object_id>/config")
        if comp not in COMPONENT_KEYS:
            rep.error(where, "component %r not checked here" % comp)
            continue
        try:
            raw = json.loads(m.payload.decode())
        except (ValueError, UnicodeDecodeError) as e:
            rep.error(where, "not JSON: %s" % e)
            continue
        cfg = _expand(raw, ABBREVIATIONS, where, rep, "entity")
        for k in cfg:
            if k not in COMPONENT_KEYS[comp] and k in ABBREVIATIONS.values():
                rep.error(where, "key %r is not valid for a %s" % (k, comp))
        for k in REQUIRED[comp]:
            if k not in cfg:
                rep.error(where, "required key %r missing" % k)
        uid = cfg.get("unique_id")
        if not uid:
            rep.error(where, "no unique_id")
        elif (comp, uid) in uids:
            rep.error(where, "unique_id %s also in %s" % (uid,
                                                       uids[(comp, uid)]))
        else:
            uids[(comp, uid)] = topic
        dev = _expand(cfg.get("device", {}), DEVICE_ABBREVIATIONS, where,
                      rep, "device")
        ids = dev.get("identifiers")
        if isinstance(ids, str):
            ids = [ids]
        if not ids and not dev.get("connections"):
            rep.error(where, "device without identifiers or connections")
            ids = []
        for i in ids:
            devices.setdefault(i, []).append((topic, dev))
        if "origin" in cfg:
            o = _expand(cfg["origin"], ORIGIN_ABBREVIATIONS, where, rep,
                        "origin")
            if not o.get("name"):
                rep.error(where, "origin without a name")
        cat = cfg.get("entity_category")
        if cat is not None and cat not in \
                ENTITY_CATEGORIES_BY_COMPONENT.get(comp, ENTITY_CATEGORIES):
            rep.error(where, "entity_category %r not allowed for a %s"
                      % (cat, comp))
        _check_availability(cfg, where, rep, retained)
        _check_name(cfg, dev, where, rep)
        if comp == "sensor":
            _check_sensor(cfg, where, rep)
        elif comp == "number":
            _check_number(cfg, where, rep)
        elif comp == "select":
            ops = cfg.get("options")
            if not isinstance(ops, list) or not ops or \
                    not all(isinstance(x, str) for x in ops):
                rep.error(where, "options must be a list of strings")
        entities.append((topic, comp, cfg, dev))

    # every via_device is a device that some discovery message announces
    for topic, comp, cfg, dev in entities:
        via = dev.get("via_device")
        if via is not None and via not in devices:
            rep.error(topic, "via_device %r is announced by no entity: Home "
                      "Assistant creates an empty device for it" % via)

    # one device, one description
    for i, lst in devices.items():
        names = {d.get("name") for _, d in lst}
        if len(names) > 1:
            rep.error(lst[0][0], "device %s named %s" % (i, sorted(
                str(n) for n in names)))
        sas = {d.get("suggested_area") for _, d in lst}
        if len(sas) > 1:
            rep.error(lst[0][0], "device %s suggests areas %s" % (i, sorted(
                str(s) for s in sas)))

    # the templates on every state message they read
    for topic, comp, cfg, dev in entities:
        st = cfg.get("state_topic")
        tpl = cfg.get("value_template")
        if st is None:
            continue
        seen = states.get(st, [])
        for m in seen:
            _check_state(m, comp, cfg, topic, rep)
        if tpl is not None:
            _check_bits(tpl, st, bitfields, topic, rep)
    return rep, disc, entities


def _check_availability(cfg, where, rep, retained):
    av = cfg.get("availability")
    topics = []
    if av is not None:
        if not isinstance(av, list) or not av:
            rep.error(where, "availability must be a non-empty list")
            av = []
        for a in av:
            a = _expand(a, ABBREVIATIONS, where, rep, "availability")
            for k in a:
                if k not in AVAILABILITY_KEYS:
                    rep.error(where, "availability key %r" % k)
            if "topic" not in a:
                rep.error(where, "availability without a topic")
            else:
                topics.append((a["topic"], a.get("payload_available",
                                                 "online"),
                               a.get("payload_not_available", "offline")))
    if "availability_topic" in cfg:
        topics.append((cfg["availability_topic"],
                       cfg.get("payload_available", "online"),
                       cfg.get("payload_not_available", "offline")))
    mode = cfg.get("availability_mode")
    if mode is not None and mode not in AVAILABILITY_MODES:
        rep.error(where, "availability_mode %r" % mode)
    for t, on, off in topics:
        p = retained.get(t)
        if p is None:
            rep.warn(where, "availability topic %s has no retained state: "
                     "the entity stays unavailable" % t)
        elif p.decode(errors="replace") not in (on, off):
            rep.error(where, "availability topic %s holds %r" % (t, p))


def _check_name(cfg, dev, where, rep):
    name = cfg.get("name")
    dname = dev.get("name")
    if not isinstance(name, str) or not name:
        return
    if isinstance(dname, str) and dname:
        if name.lower() == dname.lower():
            rep.warn(where, "entity name %r equals the device name: Home "
                     "Assistant drops it" % name)
        elif name.lower().startswith(dname.lower() + " "):
            rep.error(where, "entity name %r starts with the device name "
                      "%r: shown as %r" % (name, dname,
                                           dname + " " + name))


def _check_sensor(cfg, where, rep):
    dc = cfg.get("device_class")
    sc = cfg.get("state_class")
    unit = cfg.get("unit_of_measurement")
    if unit == "":
        unit = None
    if dc is not None:
        if dc not in DEVICE_CLASS_UNITS:
            rep.error(where, "device_class %r not checked here" % dc)
        elif unit not in DEVICE_CLASS_UNITS[dc]:
            rep.error(where, "unit %r is not valid with device class %r"
                      % (unit, dc))
        if sc is not None and dc in DEVICE_CLASS_STATE_CLASSES and \
                sc not in DEVICE_CLASS_STATE_CLASSES[dc]:
            rep.warn(where, "state class %r with device class %r"
                     % (sc, dc))
    if sc is not None and sc not in STATE_CLASSES:
        rep.error(where, "state_class %r" % sc)


def _check_number(cfg, where, rep):
    mn = cfg.get("min", 1)
    mx = cfg.get("max", 100)
    step = cfg.get("step", 1)
    if not all(isinstance(x, (int, float)) for x in (mn, mx, step)):
        rep.error(where, "min, max, step must be numbers")
        return
    if not mn < mx:
        rep.error(where, "min %s not below max %s" % (mn, mx))
    if not step > 0:
        rep.error(where, "step %s not positive" % step)
    dc = cfg.get("device_class")
    unit = cfg.get("unit_of_measurement")
    if dc is not None:
        if dc not in NUMBER_DEVICE_CLASS_UNITS:
            rep.error(where, "number device_class %r not checked here" % dc)
        elif unit not in NUMBER_DEVICE_CLASS_UNITS[dc]:
            rep.error(where, "unit %r not valid with device class %r"
                      % (unit, dc))
    mode = cfg.get("mode")
    if mode is not None and mode not in NUMBER_MODES:
        rep.error(where, "number mode %r" % mode)
    if "command_topic" in cfg and (not isinstance(cfg["command_topic"], str)
                                   or "+" in cfg["command_topic"]
                                   or "#" in cfg["command_topic"]):
        rep.error(where, "command_topic %r" % cfg["command_topic"])


def _check_state(m, comp, cfg, where, rep):
    tpl = cfg.get("value_template")
    try:
        vj = json.loads(m.payload.decode())
    except (ValueError, UnicodeDecodeError):
        vj = None
    w = "%s on %s" % (where, m.payload[:60].decode(errors="replace"))
    if tpl is None:
        text = m.payload.decode(errors="replace").strip()
    else:
        if vj is None:
            rep.error(w, "the state is not JSON")
            return
        for path, defaulted in template_refs(tpl):
            if not defaulted and not lookup(vj, path):
                rep.warn(w, "reads %s, which the state does not hold"
                         % "/".join(path))
        try:
            text = render(tpl, vj, m.payload.decode(errors="replace"))
        except TemplateError as e:
            rep.error(w, "template: %s" % e)
            return
    numeric = comp == "number" or cfg.get("state_class") is not None or \
        (cfg.get("unit_of_measurement") not in (None, "")) or \
        cfg.get("device_class") in DEVICE_CLASS_UNITS
    if numeric and text == "":
        return		# Home Assistant ignores an empty numeric state
    if numeric and not _is_number(text):
        rep.error(w, "renders %r, not a number" % text)
    if comp == "number" and _is_number(text):
        v = float(text)
        if not cfg.get("min", 1) <= v <= cfg.get("max", 100):
            rep.error(w, "value %s outside %s..%s" % (
                text, cfg.get("min", 1), cfg.get("max", 100)))


def _check_bits(tpl, st, bitfields, where, rep):
    group = st.rsplit("/", 1)[1]
    refs = {p for p, _ in template_refs(tpl)}
    for (g, sub, key), (zero, names) in bitfields.items():
        path = (key,) if sub is None else (sub, key)
        if g != group or path not in refs:
            continue
        if len(names) != 16:
            rep.error(where, "%s: %d bit names in the table" % (key,
                                                               len(names)))
            continue

        def vj(v):
            return {key: v} if sub is None else {sub: {key: v}}
        if zero is not None:
            try:
                t = render(tpl, vj(0))
            except TemplateError as e:
                rep.error(where, "%s = 0: %s" % (key, e))
            else:
                if t != zero:
                    rep.error(where, "%s = 0 shows %r, not %r"
                              % (key, t, zero))
        for n in range(16):
            want = names[n] + ","
            try:
                t = render(tpl, vj(1 << n))
            except TemplateError as e:
                rep.error(where, "%s = bit%d: %s" % (key, n, e))
                continue
            if t != want:
                rep.error(where, "%s = 0x%04x (bit%d) shows %r, not %r"
                          % (key, 1 << n, n, t, want))
        # all bits at once: every name, in bit order
        want = ", ".join(names) + ","
        try:
            t = render(tpl, vj(0xffff))
        except TemplateError as e:
            rep.error(where, "%s = 0xffff: %s" % (key, e))
        else:
            if t != want:
                rep.error(where, "%s = 0xffff shows %r" % (key, t))
