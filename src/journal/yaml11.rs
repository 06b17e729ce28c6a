//! Quoting for YAML 1.1 readers. The encoder's YAML library quotes a string that a YAML 1.2
//! reader would take for another type (`'true'`, `'42'`); older readers (YAML 1.1, such as
//! PyYAML) also take `yes`, `no`, `on`, `off`, `y`, `1_000`, `0777`, `1:20`, `2026-01-01`
//! and `=` for booleans, numbers, dates or special values. [`quote_for_yaml11`] rewrites
//! such a plain scalar in single quotes, so that every YAML reader reads the text it is.
//!
//! A value that is exactly a time in the file's own form (`2026-11-23T10:15:00Z`) stays
//! plain: it is a time, and a YAML 1.1 reader reading it as a timestamp reads the same
//! instant.

/// The emitted text with every plain scalar that is a string to YAML 1.2 but not to YAML
/// 1.1 single-quoted. Block scalars (`|`, `>`) and their lines are left as they are.
pub fn quote_for_yaml11(text: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = String::with_capacity(text.len() + 16);
    // While inside a block scalar: the indentation its header line had.
    let mut block: Option<usize> = None;
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let indent = line.len() - line.trim_start_matches(' ').len();
        if let Some(b) = block {
            if line.trim().is_empty() || indent > b {
                out.push_str(raw);
                continue;
            }
            block = None;
        }
        let Some((prefix, value)) = split_value(line) else {
            out.push_str(raw);
            continue;
        };
        if value.starts_with('|') || value.starts_with('>') {
            block = Some(indent);
            out.push_str(raw);
            continue;
        }
        // A plain scalar folded onto the next lines is left alone (its first line is not
        // the whole value).
        let content_indent = prefix.len() - prefix.trim_start_matches([' ', '-']).len();
        let continued = lines.get(i + 1).is_some_and(|next| {
            let n = next.trim_end_matches('\n');
            let ni = n.len() - n.trim_start_matches(' ').len();
            !n.trim().is_empty() && ni > content_indent && split_value(n).is_none()
        });
        if !continued && is_plain(value) && !yaml12_typed(value) && yaml11_typed(value) {
            out.push_str(prefix);
            out.push('\'');
            out.push_str(&value.replace('\'', "''"));
            out.push('\'');
            if raw.ends_with('\n') {
                out.push('\n');
            }
        } else {
            out.push_str(raw);
        }
    }
    out
}

/// `(everything before the value, the value)` of a `key: value`, `- value` or
/// `- key: value` line; `None` for a line without a scalar value.
fn split_value(line: &str) -> Option<(&str, &str)> {
    let mut rest = line.trim_start_matches(' ');
    let mut dashed = false;
    while let Some(r) = rest.strip_prefix("- ") {
        rest = r;
        dashed = true;
    }
    let start = line.len() - rest.len();
    if let Some(at) = rest.find(": ") {
        let key = &rest[..at];
        if key.starts_with(['\'', '"']) || key.contains('#') {
            return None;
        }
        let v = start + at + 2;
        return Some((&line[..v], &line[v..]));
    }
    if dashed && !rest.is_empty() && !rest.ends_with(':') {
        return Some((&line[..start], rest));
    }
    None
}

/// Whether a value is written as a plain scalar (not quoted, not a flow or block, no
/// anchor, alias or tag).
fn is_plain(v: &str) -> bool {
    !v.is_empty() && !v.starts_with(['\'', '"', '[', '{', '&', '*', '!', '|', '>'])
}

/// Whether YAML 1.2 (core schema) reads this plain scalar as a boolean, null or number: then
/// it was written as one, on purpose.
fn yaml12_typed(v: &str) -> bool {
    matches!(
        v,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" | "~" | "null" | "Null" | "NULL"
    ) || is_int12(v)
        || is_float12(v)
}

fn is_int12(v: &str) -> bool {
    let body = v.strip_prefix(['-', '+']).unwrap_or(v);
    (!body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()))
        || v.strip_prefix("0o")
            .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| (b'0'..=b'7').contains(&b)))
        || v.strip_prefix("0x")
            .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn is_float12(v: &str) -> bool {
    let body = v.strip_prefix(['-', '+']).unwrap_or(v);
    if matches!(body, ".inf" | ".Inf" | ".INF") || matches!(v, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((a, b)) => digits(a) && digits(b) && !(a.is_empty() && b.is_empty()),
        None => !mantissa.is_empty() && digits(mantissa),
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exp_ok && (mantissa.contains('.') || exp.is_some())
}

/// Whether a YAML 1.1 reader (the type repository of YAML 1.1, as PyYAML implements it)
/// takes this plain scalar for something other than a string.
pub fn yaml11_typed(v: &str) -> bool {
    const BOOLS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
    ];
    BOOLS.contains(&v)
        || matches!(v, "~" | "null" | "Null" | "NULL" | "=" | "<<")
        || is_int11(v)
        || is_float11(v)
        || (is_timestamp11(v) && !is_own_time(v))
}

fn is_int11(v: &str) -> bool {
    let body = v.strip_prefix(['-', '+']).unwrap_or(v);
    let all = |s: &str, f: fn(u8) -> bool| !s.is_empty() && s.bytes().all(f);
    if let Some(b) = body.strip_prefix("0b") {
        return all(b, |c| c == b'0' || c == b'1' || c == b'_');
    }
    if let Some(x) = body.strip_prefix("0x") {
        return all(x, |c| c.is_ascii_hexdigit() || c == b'_');
    }
    if body.starts_with('0') && body.len() > 1 {
        return all(&body[1..], |c| (b'0'..=b'7').contains(&c) || c == b'_');
    }
    if body.contains(':') {
        return sexagesimal(body, false);
    }
    body.starts_with(|c: char| c.is_ascii_digit()) && all(body, |c| c.is_ascii_digit() || c == b'_')
}

fn is_float11(v: &str) -> bool {
    let body = v.strip_prefix(['-', '+']).unwrap_or(v);
    if matches!(body, ".inf" | ".Inf" | ".INF") || matches!(v, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    if body.contains(':') {
        return sexagesimal(body, true);
    }
    // [0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)? or \.[0-9][0-9_]*([eE][-+][0-9]+)?
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let Some((a, b)) = mantissa.split_once('.') else {
        return false;
    };
    let ok_a = a.is_empty()
        || (a.starts_with(|c: char| c.is_ascii_digit())
            && a.bytes().all(|c| c.is_ascii_digit() || c == b'_'));
    let ok_b = b.bytes().all(|c| c.is_ascii_digit() || c == b'_');
    let ok_start = !a.is_empty() || b.starts_with(|c: char| c.is_ascii_digit());
    let ok_exp = exp.is_none_or(|e| {
        e.len() > 1 && e.starts_with(['-', '+']) && e[1..].bytes().all(|c| c.is_ascii_digit())
    });
    ok_a && ok_b && ok_start && ok_exp
}

/// `[1-9][0-9_]*(:[0-5]?[0-9])+` (an integer), with `\.[0-9_]*` after it for a float.
fn sexagesimal(body: &str, float: bool) -> bool {
    let (whole, frac) = match (float, body.split_once('.')) {
        (true, Some((w, f))) => (w, Some(f)),
        (true, None) => return false,
        (false, _) => (body, None),
    };
    if frac.is_some_and(|f| !f.bytes().all(|c| c.is_ascii_digit() || c == b'_')) {
        return false;
    }
    let mut parts = whole.split(':');
    let first = parts.next().unwrap_or_default();
    let first_ok = if float {
        first.starts_with(|c: char| c.is_ascii_digit())
    } else {
        first.starts_with(|c: char| ('1'..='9').contains(&c))
    } && first.bytes().all(|c| c.is_ascii_digit() || c == b'_');
    let mut n = 0;
    let rest_ok = parts.all(|p| {
        n += 1;
        let b = p.as_bytes();
        match b.len() {
            1 => b[0].is_ascii_digit(),
            2 => (b'0'..=b'5').contains(&b[0]) && b[1].is_ascii_digit(),
            _ => false,
        }
    });
    first_ok && rest_ok && n > 0
}

/// The YAML 1.1 timestamp forms: `YYYY-MM-DD`, or a date and a time
/// (`2026-01-01T10:00:00`, `2026-1-1 10:00:00.5 +02:00`, ...).
fn is_timestamp11(v: &str) -> bool {
    let b = v.as_bytes();
    let d = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    if b.len() == 10
        && (0..4).all(d)
        && b[4] == b'-'
        && d(5)
        && d(6)
        && b[7] == b'-'
        && d(8)
        && d(9)
    {
        return true;
    }
    // The long form: a date with 1- or 2-digit month and day, a `T`, `t` or blanks, a time.
    let Some((date, time)) = v
        .split_once(['T', 't'])
        .or_else(|| v.split_once([' ', '\t']))
    else {
        return false;
    };
    let mut dp = date.split('-');
    let (Some(y), Some(m), Some(dd), None) = (dp.next(), dp.next(), dp.next(), dp.next()) else {
        return false;
    };
    let num = |s: &str, lo: usize, hi: usize| {
        (lo..=hi).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_digit())
    };
    if !(num(y, 4, 4) && num(m, 1, 2) && num(dd, 1, 2)) {
        return false;
    }
    let time = time.trim_start_matches([' ', '\t']);
    let hh_end = time.find(':').unwrap_or(0);
    let (hh, rest) = time.split_at(hh_end);
    if !num(hh, 1, 2) {
        return false;
    }
    let rest = &rest[1..];
    rest.len() >= 5 && num(&rest[..2], 2, 2) && rest.as_bytes()[2] == b':' && num(&rest[3..5], 2, 2)
}

/// A time exactly in the file's own form, `YYYY-MM-DDTHH:MM:SSZ`.
fn is_own_time(v: &str) -> bool {
    chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%SZ").is_ok() && v.len() == 20
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml11_only_types_are_recognised() {
        for v in [
            "yes",
            "no",
            "on",
            "off",
            "y",
            "N",
            "1_000",
            "0777",
            "0b101",
            "1:20",
            "190:20:30",
            "1:20.5",
            "2026-01-01",
            "2026-1-1 10:00:00",
            "=",
            "<<",
            ".5",
            "1.",
            "6.8523015e+5",
        ] {
            assert!(yaml11_typed(v), "{v}");
        }
        for v in [
            "hello",
            "2026-11-23T10:15:00Z",
            "1:2:3:x",
            "a=b",
            "skimmer",
            "1e5x",
            "-",
        ] {
            assert!(!yaml11_typed(v), "{v}");
        }
    }

    #[test]
    fn only_strings_a_yaml11_reader_misreads_are_quoted() {
        let text = "seq: 3\ntime: 2026-11-23T10:15:00Z\noperator: yes\nkind: note\npayload:\n  text: '1:20'\n  step: on\n  checked: true\n  value: 1200\n  list:\n  - 1_000\n  - cards\n  - id: no\n    label: x\n  body: |-\n    yes\n    no\n  after: =\n";
        let want = "seq: 3\ntime: 2026-11-23T10:15:00Z\noperator: 'yes'\nkind: note\npayload:\n  text: '1:20'\n  step: 'on'\n  checked: true\n  value: 1200\n  list:\n  - '1_000'\n  - cards\n  - id: 'no'\n    label: x\n  body: |-\n    yes\n    no\n  after: '='\n";
        assert_eq!(quote_for_yaml11(text), want);
    }
}
