#!/usr/bin/env python3
"""An independent verifier for breach incident files (format version 1).

Written from docs/incident-file-format.md alone, with the Python standard library only, to
show that the document is enough to verify a file without breach's own code.

Usage: verify_incident.py FILE

Prints one line (then any warnings, one a line) and exits with:
  0  "ok: N records, last hash H"               every record verifies; it may be followed by
     "warning: ..." lines for what section 9 reports as warnings (a record after `closed`
     other than an action item; a file name that is not the incident id; a record time more
     than 120 seconds before the previous record's)
  1  "bad: record S (line L): WHAT"             a record fails (the first one is named)
  2  "torn: record S (line L): ..."             only the last record is incomplete
  3  "unsupported: ..."                         a format version this verifier does not know
  4  "error: ..."                               the file cannot be read
"""

import datetime
import hashlib
import os
import re
import sys
import unicodedata

GENESIS = "0" * 64
HEX64 = re.compile(r"[0-9a-f]{64}")
HASH_LINE = re.compile(rb"hash: ([0-9a-f]{64})\n")
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
FIELDS = ["seq", "time", "operator", "kind", "prev", "payload"]
# Section 4, "Times": the skew allowed before a time counts as going back.
CLOCK_SKEW_SECONDS = 120
SUPPORTED_FORMATS = {1}
# Section 5: the kinds that may follow `closed`.
AFTER_CLOSED = {"action", "action_done"}
ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v",
    "f": "\f", "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\",
    "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
}
HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


def unescape(inner):
    """The text of a double-quoted YAML scalar on one line (its backslash escapes)."""
    out = []
    i = 0
    while i < len(inner):
        c = inner[i]
        if c != "\\" or i + 1 == len(inner):
            out.append(c)
            i += 1
            continue
        e = inner[i + 1]
        if e in HEX_ESCAPES:
            n = HEX_ESCAPES[e]
            out.append(chr(int(inner[i + 2:i + 2 + n], 16)))
            i += 2 + n
        else:
            out.append(ESCAPES.get(e, e))
            i += 2
    return "".join(out)


def unquote(value):
    """Strips one pair of matching YAML quotes (section 2): `''` in single quotes stands for
    one `'`, and double quotes take backslash escapes."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        inner = value[1:-1]
        return inner.replace("''", "'") if value[0] == "'" else unescape(inner)
    return value


def payload_field(lines, name):
    """The value of a payload field (a line indented two spaces), or None when absent. A block
    scalar (`|`, `|-`, `>`) is its text lines joined; only emptiness matters here."""
    prefix = "  %s:" % name
    for i, line in enumerate(lines):
        if not line.startswith(prefix):
            continue
        value = line[len(prefix):].strip()
        if value[:1] in ("|", ">"):
            body = []
            for more in lines[i + 1:]:
                if more.startswith("   ") or more == "":
                    body.append(more.strip())
                else:
                    break
            return "\n".join(body).strip("\n")
        return unquote(value)
    return None


def split_records(data):
    """Splits at lines that are exactly '---' (section 2). Returns [(line_no, bytes)]."""
    records = []
    start = None
    pos = 0
    line_no = 1
    for line in data.splitlines(keepends=True):
        # A last line without LF that is "-", "--" or "---" starts a new, cut-short record.
        last_without_lf = pos + len(line) == len(data) and not line.endswith(b"\n")
        if line == b"---\n" or (last_without_lf and line in (b"-", b"--", b"---")):
            if start is not None:
                records.append((start_line, data[start:pos]))
            start, start_line = pos, line_no
        elif start is None:
            # Bytes before the first '---': not a record.
            return None, line_no
        pos += len(line)
        line_no += 1
    if start is not None:
        records.append((start_line, data[start:]))
    return records, None


def check_record(index, line_no, chunk, prev_hash, is_last):
    """Returns (status, message, hash): status is 'ok', 'bad', 'torn' or 'unsupported'."""
    where = "record %d (line %d)" % (index, line_no)
    # Rule 1: the last line is a complete hash line.
    body_end = chunk.rfind(b"\n", 0, len(chunk) - 1) + 1 if chunk.endswith(b"\n") else -1
    match = HASH_LINE.fullmatch(chunk[body_end:]) if body_end >= 0 else None
    if match is None:
        if is_last:
            return "torn", where + ": incomplete (torn tail)", None
        return "bad", where + ": edited (no valid hash line)", None
    hashed = chunk[:body_end]
    stored = match.group(1).decode("ascii")
    # Rule 2: the hash covers everything before the hash line.
    computed = hashlib.sha256(hashed).hexdigest()
    if computed != stored:
        return "bad", where + ": edited (hash mismatch)", None
    try:
        text = hashed.decode("utf-8")
    except UnicodeDecodeError:
        return "bad", where + ": malformed (not UTF-8)", None
    lines = text.split("\n")
    # lines[0] is '---'; the fields follow at column 0 in a fixed order.
    top = [l for l in lines[1:] if l and not l.startswith(" ")]
    names = [l.split(":", 1)[0] for l in top]
    if names != FIELDS:
        return "bad", where + ": malformed (fields %s)" % names, None
    values = {l.split(":", 1)[0]: unquote(l.split(":", 1)[1].strip()) for l in top}
    if not re.fullmatch(r"\d+", values["seq"]):
        return "bad", where + ": malformed (seq)", None
    if not TIME.fullmatch(values["time"]):
        return "bad", where + ": malformed (time)", None
    # Section 2: 1 to 200 characters, none of them a control character.
    operator = values["operator"]
    if not 1 <= len(operator) <= 200:
        return "bad", where + ": malformed (operator of %d characters)" % len(operator), None
    if any(unicodedata.category(c) == "Cc" for c in operator):
        return "bad", where + ": malformed (control character in operator)", None
    # Section 5: a note's text is not empty.
    if values["kind"] == "note":
        payload_inline = values["payload"]
        text = payload_field(lines, "text")
        # (A payload in another flow form is left to a YAML parser.)
        if payload_inline == "{}" or (payload_inline == "" and not text):
            return "bad", where + ": malformed (empty note text)", None
    seq = int(values["seq"])
    # Rule 3: seq is the position.
    if seq > index:
        return "bad", where + ": missing records (found seq %d)" % seq, None
    if seq < index:
        return "bad", where + ": reordered (found seq %d)" % seq, None
    # Rule 4: prev links to the previous record.
    prev = values["prev"]
    if not HEX64.fullmatch(prev):
        return "bad", where + ": malformed (prev)", None
    if prev != prev_hash:
        return "bad", where + ": chain broken (prev does not match)", None
    # Rule 6: the first record is 'opened' with a supported format.
    if index == 0:
        if values["kind"] != "opened":
            return "bad", where + ": malformed (first record is not opened)", None
        fmt = [l for l in lines if l.startswith("  format:")]
        if len(fmt) != 1 or not re.fullmatch(r"\d+", unquote(fmt[0].split(":", 1)[1].strip())):
            return "bad", where + ": malformed (no payload.format)", None
        version = int(unquote(fmt[0].split(":", 1)[1].strip()))
        if version not in SUPPORTED_FORMATS:
            return "unsupported", "format version %d is not supported" % version, None
    found = (stored, values["kind"], payload_field(lines, "id") if index == 0 else None)
    return "ok", "", found + (values["time"], line_no)


def seconds(time):
    """A `time` value (section 2) as seconds since the epoch."""
    t = datetime.datetime.strptime(time, "%Y-%m-%dT%H:%M:%SZ")
    return t.replace(tzinfo=datetime.timezone.utc).timestamp()


def warnings(kinds, incident_id, file_name, times=()):
    """Section 9's warnings for a file whose every record verifies; `times` holds each
    record's (time, line)."""
    found = []
    if "closed" in kinds:
        closed_at = kinds.index("closed")
        late = [s for s, k in enumerate(kinds) if s > closed_at and k not in AFTER_CLOSED]
        if late:
            found.append(
                "%d record(s) follow the closed record, from record %d on" % (len(late), late[0])
            )
    if file_name is not None:
        stem = os.path.splitext(os.path.basename(file_name))[0]
        if stem != incident_id:
            found.append("the file is named %s but holds incident %s" % (stem, incident_id))
    back = [
        (s, times[s][1])
        for s in range(1, len(times))
        if seconds(times[s - 1][0]) - seconds(times[s][0]) > CLOCK_SKEW_SECONDS
    ]
    if back:
        found.append(
            "the clock went back more than %d seconds at record %d (line %d)%s"
            % (
                CLOCK_SKEW_SECONDS,
                back[0][0],
                back[0][1],
                "" if len(back) == 1 else " and %d more times" % (len(back) - 1),
            )
        )
    return found


def verify(data, file_name=None):
    records, bad_line = split_records(data)
    if records is None:
        return 1, "bad: record 0 (line %d): malformed (text before the first ---)" % bad_line
    if not records:
        return 1, "bad: the file has no records"
    prev = GENESIS
    kinds = []
    times = []
    incident_id = None
    for index, (line_no, chunk) in enumerate(records):
        status, message, found = check_record(
            index, line_no, chunk, prev, index + 1 == len(records)
        )
        if status == "torn":
            return 2, "torn: " + message + "; %d records before it verify" % index
        if status == "unsupported":
            return 3, "unsupported: " + message
        if status == "bad":
            return 1, "bad: " + message
        prev, kind, opened_id, time, start = found
        kinds.append(kind)
        times.append((time, start))
        if index == 0:
            incident_id = opened_id
    lines = ["ok: %d records, last hash %s" % (len(records), prev)]
    lines += ["warning: " + w for w in warnings(kinds, incident_id, file_name, times)]
    return 0, "\n".join(lines)


def main(argv):
    if len(argv) != 2:
        print("usage: verify_incident.py FILE", file=sys.stderr)
        return 4
    try:
        with open(argv[1], "rb") as f:
            data = f.read()
    except OSError as e:
        print("error: %s" % e)
        return 4
    code, message = verify(data, argv[1])
    print(message)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
