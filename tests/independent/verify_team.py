#!/usr/bin/env python3
"""An independent verifier for breach team incidents (format version 2: a directory of
journals, docs/incident-file-format.md section 12).

Written from the format document alone, with the Python standard library only. It splits
records as section 2 says (the splitting of verify_incident.py, the format 1 verifier) and
reads every field from its fixed line (section 12.11), without a YAML parser.

Usage: verify_team.py DIR

Prints one line and exits with:
  0  "ok: N records in J journals, digest D"    everything verifies; D is the seal digest
                                                 of the current heads (section 12.5a)
  1  "bad: JOURNAL: ..."                         a rule fails (the first one found is named)
  2  "torn: JOURNAL: ..."                        only a journal's last record is incomplete
  3  "unsupported: ..."                          a format version this verifier does not know
  4  "error: ..."                                the directory cannot be read
Options: --sealed DIGEST  also require a seal record with this digest (exit 1 if none).
         --allowed-signers FILE  check record signatures against this allowed-signers
                                 file (section 12.3b) for each record's operator.
         --require-signed        exit 1 unless every journal is signed by a known key.

Signatures (section 12.3a) are checked with OpenSSH's `ssh-keygen -Y verify` (against the
allowed-signers file, as the record's operator) and `ssh-keygen -Y check-novalidate` (a
valid signature by a key the file does not allow): a bad one is exit 1. When a record is
signed, or --allowed-signers is given, a second line follows the ok line:
  "signatures: W=STATE ..."  for every journal, STATE one of known, unknown, bad, partly,
                             unsigned
"""

import hashlib
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verify_incident as v1  # noqa: E402  (the format 1 splitting and chain rules)

GENESIS = "0" * 64
HEX64 = re.compile(r"[0-9a-f]{64}")
HEX32 = re.compile(r"[0-9a-f]{32}")
WRITER = re.compile(r"[a-z0-9][a-z0-9._@-]{0,99}")
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
FIXED = ["seq", "time", "operator", "writer", "kind", "prev", "seen"]
BASE64 = re.compile(r"[A-Za-z0-9+/=]+")
SKEW = 120


class Bad(Exception):
    pass


class Torn(Exception):
    pass


def seconds(t):
    """Seconds of a `YYYY-MM-DDTHH:MM:SSZ` time (only differences are used)."""
    import calendar
    import time

    return calendar.timegm(time.strptime(t, "%Y-%m-%dT%H:%M:%SZ"))


def parse_record(journal, index, line_no, chunk, is_last):
    """Checks rules 1 and 2 of section 4 and the layout of section 12.3; returns a dict."""
    where = "%s: record %d (line %d)" % (journal, index, line_no)
    body_end = chunk.rfind(b"\n", 0, len(chunk) - 1) + 1 if chunk.endswith(b"\n") else -1
    match = v1.HASH_LINE.fullmatch(chunk[body_end:]) if body_end >= 0 else None
    if match is None:
        if is_last:
            raise Torn(where + ": incomplete (torn tail)")
        raise Bad(where + ": edited (no valid hash line)")
    hashed = chunk[:body_end]
    stored = match.group(1).decode("ascii")
    if hashlib.sha256(hashed).hexdigest() != stored:
        raise Bad(where + ": edited (hash mismatch)")
    try:
        text = hashed.decode("utf-8")
    except UnicodeDecodeError:
        raise Bad(where + ": malformed (not UTF-8)")
    lines = text.split("\n")[1:]
    top = [(i, l) for i, l in enumerate(lines) if l and not l.startswith(" ")]
    names = [l.split(":", 1)[0] for _, l in top]
    allowed = [
        FIXED + extra + ["payload"] + sig
        for extra in ([], ["at"], ["clock"], ["at", "clock"])
        for sig in ([], ["sig"])
    ]
    if names not in allowed:
        raise Bad(where + ": malformed (fields %s)" % names)
    if [l.split(":", 1)[0] for l in lines[:7]] != FIXED:
        raise Bad(where + ": malformed (the first lines are not %s)" % FIXED)
    values = {l.split(":", 1)[0]: v1.unquote(l.split(":", 1)[1].strip()) for _, l in top}
    rec = {"line": line_no, "hash": stored, "text": text}
    if not re.fullmatch(r"\d+", values["seq"]):
        raise Bad(where + ": malformed (seq)")
    rec["seq"] = int(values["seq"])
    for field in ["time"] + (["at"] if "at" in values else []):
        if not TIME.fullmatch(values[field]):
            raise Bad(where + ": malformed (%s)" % field)
    if values.get("clock", "fixed") != "fixed":
        raise Bad(where + ": malformed (clock)")
    rec["time"], rec["operator"], rec["kind"] = values["time"], values["operator"], values["kind"]
    rec["writer"], rec["prev"] = values["writer"], values["prev"]
    rec["fixed"] = "clock" in values
    if not HEX64.fullmatch(rec["prev"]):
        raise Bad(where + ": malformed (prev)")
    # seen: `seen: {}`, or entries `  W:` / `    seq: N` / `    hash: H` (section 12.3).
    seen_at = names.index("seen")
    start = top[seen_at][0]
    end = top[seen_at + 1][0]
    seen = {}
    if values["seen"] == "{}":
        if end != start + 1:
            raise Bad(where + ": malformed (seen)")
    else:
        block = lines[start + 1 : end]
        if values["seen"] != "" or len(block) % 3 != 0:
            raise Bad(where + ": malformed (seen)")
        for k in range(0, len(block), 3):
            w, s, h = block[k : k + 3]
            m_w = re.fullmatch(r"  (.+):", w)
            m_s = re.fullmatch(r"    seq: (\d+)", s)
            m_h = re.fullmatch(r"    hash: ([0-9a-f]{64})", h)
            if not (m_w and m_s and m_h) or not WRITER.fullmatch(v1.unquote(m_w.group(1))):
                raise Bad(where + ": malformed (seen entry %r)" % w)
            seen[v1.unquote(m_w.group(1))] = (int(m_s.group(1)), m_h.group(1))
    rec["seen"] = seen
    payload_at = top[names.index("payload")][0]
    rec["payload"] = lines[payload_at:]
    rec["sig"] = None
    if "sig" in names:
        # Section 12.3a: the last line before `hash:`; it signs the bytes before it.
        sig_line = lines[-2] if lines[-1] == "" else None
        if sig_line is None or not sig_line.startswith("sig: "):
            raise Bad(where + ": malformed (sig is not the last line before hash)")
        value = sig_line[len("sig: ") :]
        if not BASE64.fullmatch(value):
            raise Bad(where + ": malformed (sig is not base64)")
        rec["payload"] = lines[payload_at : len(lines) - 2]
        rec["sig"] = value
        rec["signed"] = hashed[: len(hashed) - len(sig_line.encode("utf-8")) - 1]
    return rec


def payload_field(rec, name):
    """A top-level payload field on its own line (`  name: value`), or None."""
    for l in rec["payload"]:
        if l.startswith("  %s:" % name) and not l.startswith("   "):
            return v1.unquote(l.split(":", 1)[1].strip())
    return None


def seal_of(rec, where):
    """(digest, [(writer, seq, hash)]) of a `seal` record (section 12.5a)."""
    digest = payload_field(rec, "digest")
    lines = rec["payload"]
    try:
        k = lines.index("  heads:")
    except ValueError:
        raise Bad(where + ": malformed (seal without heads)")
    body = [l for l in lines[k + 1 :] if l]
    heads = []
    if len(body) % 3 != 0:
        raise Bad(where + ": malformed (seal heads)")
    for i in range(0, len(body), 3):
        w = re.fullmatch(r"  - writer: (.+)", body[i])
        s = re.fullmatch(r"    seq: (\d+)", body[i + 1])
        h = re.fullmatch(r"    hash: ([0-9a-f]{64})", body[i + 2])
        if not (w and s and h):
            raise Bad(where + ": malformed (seal heads)")
        heads.append((v1.unquote(w.group(1)), int(s.group(1)), h.group(1)))
    if digest is None or not HEX32.fullmatch(digest) or digest != seal_digest(heads):
        raise Bad(where + ": malformed (the seal's digest is not the digest of its heads)")
    return digest, heads


def seal_digest(heads):
    text = "".join("%s %d %s\n" % h for h in sorted(heads))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def read_journal(path, writer):
    """Rules 1 to 4 of section 4 and 12.4 rules 1 to 3 for one journal."""
    with open(path, "rb") as f:
        data = f.read()
    name = writer + ".yaml"
    chunks, bad_line = v1.split_records(data)
    if chunks is None:
        raise Bad("%s: malformed (text before the first --- at line %d)" % (name, bad_line))
    records = []
    prev = GENESIS
    for index, (line_no, chunk) in enumerate(chunks):
        rec = parse_record(name, index, line_no, chunk, index + 1 == len(chunks))
        where = "%s: record %d (line %d)" % (name, index, line_no)
        if rec["seq"] > index:
            raise Bad(where + ": missing records")
        if rec["seq"] < index:
            raise Bad(where + ": reordered")
        if rec["prev"] != prev:
            raise Bad(where + ": chain broken (prev does not match)")
        if rec["writer"] != writer:
            raise Bad(where + ": malformed (writer is not the file name)")
        if writer in rec["seen"]:
            raise Bad(where + ": malformed (seen names its own journal)")
        if records:
            for w, (s, _) in records[-1]["seen"].items():
                if w not in rec["seen"] or rec["seen"][w][0] < s:
                    raise Bad(where + ": malformed (seen goes back)")
        records.append(rec)
        prev = rec["hash"]
    return records


def ssh_keygen(args, message):
    try:
        done = subprocess.run(
            ["ssh-keygen"] + args, input=message, capture_output=True, timeout=60
        )
    except FileNotFoundError:
        raise OSError("ssh-keygen is not installed; signatures cannot be checked")
    return done.returncode == 0


def signature_state(rec, allowed_signers, tmp):
    """known, unknown or bad for one signed record (section 12.3a)."""
    value = rec["sig"]
    armoured = "-----BEGIN SSH SIGNATURE-----\n"
    armoured += "".join(value[i : i + 70] + "\n" for i in range(0, len(value), 70))
    armoured += "-----END SSH SIGNATURE-----\n"
    sig_file = os.path.join(tmp, "record.sig")
    with open(sig_file, "w") as f:
        f.write(armoured)
    if allowed_signers is not None and ssh_keygen(
        ["-Y", "verify", "-f", allowed_signers, "-I", rec["operator"], "-n", "breach", "-s", sig_file],
        rec["signed"],
    ):
        return "known"
    if ssh_keygen(["-Y", "check-novalidate", "-n", "breach", "-s", sig_file], rec["signed"]):
        return "unknown"
    return "bad"


def signatures(journals, allowed_signers):
    """Each journal's state, as in the table of section 12.3a."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for w, records in journals.items():
            states = []
            for r in records:
                if not r["sig"]:
                    continue
                state = signature_state(r, allowed_signers, tmp)
                if state == "bad":
                    raise Bad(
                        "%s.yaml: record %d (line %d): badly signed" % (w, r["seq"], r["line"])
                    )
                states.append(state)
            if not states:
                out[w] = "unsigned"
            elif len(states) < len(records):
                out[w] = "partly"
            elif "unknown" in states:
                out[w] = "unknown"
            else:
                out[w] = "known"
    return out


def verify(directory, sealed=None, allowed_signers=None, require_signed=False):
    names = sorted(
        n[: -len(".yaml")]
        for n in os.listdir(directory)
        if n.endswith(".yaml") and WRITER.fullmatch(n[: -len(".yaml")])
    )
    journals = {}
    for w in names:
        journals[w] = read_journal(os.path.join(directory, w + ".yaml"), w)
    firsts = [w for w in names if journals[w] and journals[w][0]["kind"] == "opened"]
    if len(firsts) != 1:
        raise Bad("%d journals start with an opened record; an incident has one" % len(firsts))
    first = firsts[0]
    fmt = payload_field(journals[first][0], "format")
    if fmt != "2":
        raise Unsupported("format version %s is not supported" % fmt)
    seals = []
    flags = []
    for w in names:
        for i, rec in enumerate(journals[w]):
            where = "%s.yaml: record %d (line %d)" % (w, rec["seq"], rec["line"])
            if rec["kind"] == "opened" and (w != first or i > 0):
                raise Bad(where + ": malformed (a second opened record)")
            if i == 0 and w != first and first not in rec["seen"]:
                raise Bad(where + ": malformed (does not name the first journal in seen)")
            refs = list(rec["seen"].items())
            if rec["kind"] == "seal":
                digest, heads = seal_of(rec, where)
                for hw, hs, hh in heads:
                    if hw == w:
                        if i == 0 or (hs, hh) != (rec["seq"] - 1, rec["prev"]):
                            raise Bad(where + ": malformed (own head of the seal)")
                    else:
                        refs.append((hw, (hs, hh)))
                seals.append(digest)
            for other, (s, h) in refs:
                if other not in journals or len(journals[other]) <= s:
                    raise Bad(where + ": referenced record vanished (%s record %d)" % (other, s))
                if journals[other][s]["hash"] != h:
                    raise Bad(where + ": referenced record changed (%s record %d)" % (other, s))
            if i > 0 and seconds(journals[w][i - 1]["time"]) - seconds(rec["time"]) > SKEW:
                flags.append("%s: clock went back" % where)
    # The merged order (section 12.8): every record must become ready (rule 3, no cycle).
    nxt = {w: 0 for w in names}
    placed = 0
    total = sum(len(j) for j in journals.values())
    while True:
        ready = []
        for w in names:
            if nxt[w] < len(journals[w]):
                rec = journals[w][nxt[w]]
                if all(nxt[o] > s for o, (s, _) in rec["seen"].items()):
                    ready.append((rec["time"], w))
        if not ready:
            break
        nxt[min(ready)[1]] += 1
        placed += 1
    if placed != total:
        raise Bad("the seen references form a cycle")
    check_original(directory, journals[first])
    if sealed is not None and sealed not in seals:
        raise Bad("no seal with digest %s: records before it were changed or removed" % sealed)
    heads = [(w, len(j) - 1, j[-1]["hash"]) for w, j in journals.items() if j]
    line = "ok: %d records in %d journals, digest %s" % (total, len(names), seal_digest(heads))
    any_signed = any(r["sig"] for j in journals.values() for r in j)
    if any_signed or allowed_signers is not None or require_signed:
        states = signatures(journals, allowed_signers)
        if require_signed:
            for w in names:
                if states[w] != "known":
                    raise Bad("%s.yaml: %s, not signed by a known key" % (w, states[w]))
        line += "\nsignatures: " + " ".join("%s=%s" % (w, states[w]) for w in names)
    return line


class Unsupported(Exception):
    pass


def check_original(directory, first):
    """Section 12.9: format-1.yaml.orig against the first journal."""
    path = os.path.join(directory, "format-1.yaml.orig")
    opened = first[0]
    upgraded = "  upgraded_from:" in opened["payload"]
    if not os.path.exists(path):
        return
    if not upgraded:
        raise Bad("format-1.yaml.orig: the opening record does not say it was upgraded")
    lines = opened["payload"]
    k = lines.index("  upgraded_from:")
    fields = dict(l.strip().split(": ", 1) for l in lines[k + 1 : k + 4])
    with open(path, "rb") as f:
        data = f.read()
    code, message = v1.verify(data)
    if code != 0:
        raise Bad("format-1.yaml.orig: " + message)
    m = re.fullmatch(r"ok: (\d+) records, last hash ([0-9a-f]{64})", message)
    if (m.group(1), m.group(2)) != (fields.get("records"), v1.unquote(fields.get("last_hash", ""))):
        raise Bad("format-1.yaml.orig: its count or last hash differs from upgraded_from")
    chunks, _ = v1.split_records(data)
    for index, (line_no, chunk) in enumerate(chunks[1:], start=1):
        old = chunk.decode("utf-8").split("\n")
        old_top = {l.split(":", 1)[0]: l for l in old if l and not l.startswith(" ")}
        new = first[index]
        new_lines = new["text"].split("\n")
        new_top = {l.split(":", 1)[0]: l for l in new_lines if l and not l.startswith(" ")}
        same = all(old_top[f] == new_top[f] for f in ("time", "operator", "kind"))
        old_payload = old[old.index(old_top["payload"]) : old.index(old_top["hash"])]
        def trim(lines):
            while lines and lines[-1] == "":
                lines = lines[:-1]
            return lines

        if not same or trim(old_payload) != trim(new["payload"]):
            raise Bad("format-1.yaml.orig: record %d differs from the first journal" % index)


def main(argv):
    args = argv[1:]
    sealed = allowed_signers = None
    require_signed = False
    rest = []
    while args:
        a = args.pop(0)
        if a == "--sealed" and args:
            sealed = args.pop(0)
        elif a == "--allowed-signers" and args:
            allowed_signers = args.pop(0)
        elif a == "--require-signed":
            require_signed = True
        else:
            rest.append(a)
    if len(rest) != 1:
        print(
            "usage: verify_team.py DIR [--sealed DIGEST] [--allowed-signers FILE] [--require-signed]",
            file=sys.stderr,
        )
        return 4
    try:
        print(verify(rest[0], sealed, allowed_signers, require_signed))
        return 0
    except Torn as e:
        print("torn: %s" % e)
        return 2
    except Bad as e:
        print("bad: %s" % e)
        return 1
    except Unsupported as e:
        print("unsupported: %s" % e)
        return 3
    except (OSError, ValueError, KeyError, IndexError, AttributeError) as e:
        print("error: %s" % e)
        return 4


if __name__ == "__main__":
    sys.exit(main(sys.argv))
