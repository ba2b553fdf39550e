//! `[peers.churn]`: how a group's peers come and go, from distributions of
//! session and gap lengths or from a trace file of online intervals.

use std::path::Path;

use super::*;

/// Most cycles of sessions and gaps the stationary start may walk through
/// before 0: more would only slow the creation of the peers.
const MAX_PREROLL_CYCLES: f64 = 1e5;

/// The group's churn, if it has a `churn` table.
pub(super) fn churn(g: &Table) -> Option<Churn> {
    g.peek("churn")?;
    let count = match g.peek("count") {
        Some(Node {
            value: Value::Int(i),
            ..
        }) => (*i).clamp(0, i128::from(u32::MAX)) as u32,
        _ => 1,
    };
    Some(g.sub("churn", |t| table(t, count)))
}

fn table(t: &Table, count: u32) -> Churn {
    let has_sessions = t.peek("on_s").is_some() || t.peek("off_s").is_some();
    let trace = t.get("trace");
    let sessions = match (trace, has_sessions) {
        (Some(node), true) => {
            t.mark("on_s");
            t.mark("off_s");
            t.fail(t.error(
                node,
                "trace",
                "expected either `on_s` and `off_s` or a `trace`, not both".into(),
            ));
            Sessions::Trace(Vec::new())
        }
        (None, false) => {
            t.fail(
                t.error_here(
                    "expected `on_s` and `off_s` (session and gap lengths in seconds, e.g. \
                 on_s = { dist = \"weibull\", scale = 3600, shape = 0.6 }), or \
                 trace = \"a CSV file of online intervals\""
                        .into(),
                ),
            );
            Sessions::Trace(Vec::new())
        }
        (Some(node), false) => Sessions::Trace(trace_file(t, node, count)),
        (None, true) => alternating(t),
    };
    let join_s = t.dist("join_s", 0.0, Quantity::Seconds);
    let graceful = t.choice("leave", false, &[("crash", false), ("graceful", true)]);
    let leave = if graceful {
        Leave::Graceful {
            notice_s: t.number("notice_s", 0.0, |x| {
                range_msg(x >= 0.0, "seconds of notice, >= 0")
            }),
        }
    } else {
        if let Some(node) = t.get("notice_s") {
            t.fail(t.error(
                node,
                "notice_s",
                "a notice is given only with leave = \"graceful\"; a crash gives none".into(),
            ));
        }
        Leave::Crash
    };
    Churn {
        sessions,
        join_s,
        leave,
    }
}

fn alternating(t: &Table) -> Sessions {
    let on_s = t.required_dist("on_s", Quantity::Session);
    let off_s = t.required_dist("off_s", Quantity::Session);
    let cycle = on_s.mean() + off_s.mean();
    if on_s.mean() <= 0.0 {
        t.fail(t.error_at(
            "on_s",
            "expected sessions of a mean length > 0 seconds".into(),
        ));
    }
    let preroll_s = if cycle.is_finite() {
        t.number("preroll_s", 10.0 * cycle, |x| {
            range_msg(
                x >= 0.0 && x <= MAX_PREROLL_CYCLES * cycle,
                &format!(
                    "seconds before 0 that the sessions start from, >= 0 and at most \
                     {MAX_PREROLL_CYCLES:e} mean cycles ({} s)",
                    num(MAX_PREROLL_CYCLES * cycle)
                ),
            )
        })
    } else if t.peek("preroll_s").is_some() {
        t.number("preroll_s", 0.0, |x| {
            range_msg(
                x >= 0.0,
                "seconds before 0 that the sessions start from, >= 0",
            )
        })
    } else {
        t.mark("preroll_s");
        t.fail(
            t.error_here(
                "missing `preroll_s`: a session or gap length has an infinite mean, so the \
             default (ten mean cycles before 0) does not exist; say how many seconds \
             before 0 the sessions start from"
                    .into(),
            ),
        );
        0.0
    };
    Sessions::Alternating {
        on_s,
        off_s,
        preroll_s,
    }
}

/// Reads the trace named by `node`: `peer,start_s,end_s`, one row per
/// online interval of the group's peer number `peer`.
fn trace_file(t: &Table, node: &Node, count: u32) -> Vec<Vec<(f64, f64)>> {
    let peers = vec![Vec::new(); count as usize];
    let Some(name) = t.string(node, "trace") else {
        return peers;
    };
    let dir = t.reader.src.path.parent().unwrap_or(Path::new("."));
    let path = dir.join(name);
    // The resolved scenario names the file wherever it is run from.
    let absolute = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
    t.resolve("trace", string(&absolute.to_string_lossy()));
    let bytes = match super::super::read_input(&path, t.reader.limits) {
        Ok(b) => b,
        Err(e) => {
            t.fail(Diagnostic {
                file: t.reader.src.path.clone(),
                line_col: match &node.origin {
                    Origin::File(span) => Some(line_col(&t.reader.src.text, span.start)),
                    _ => None,
                },
                set: None,
                key: Some(t.key_path("trace")),
                message: format!("cannot use the trace: {e}"),
            });
            return peers;
        }
    };
    t.reader.inputs.borrow_mut().push(Input {
        path: absolute,
        sha256: crate::digest::sha256_hex(&bytes),
    });
    match parse_trace(&bytes, count) {
        Ok(p) => p,
        Err((line, message)) => {
            t.fail(Diagnostic {
                file: path,
                line_col: line.map(|l| (l, 1)),
                set: None,
                key: None,
                message: format!("{message} (the trace of `{}`)", t.key_path("trace")),
            });
            peers
        }
    }
}

/// What is wrong with a trace, and on which line.
type TraceError = (Option<usize>, String);

/// The intervals of each peer, sorted; an error gives its line.
fn parse_trace(bytes: &[u8], count: u32) -> std::result::Result<Vec<Vec<(f64, f64)>>, TraceError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| (Some(1), format!("not a CSV file: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if header != ["peer", "start_s", "end_s"] {
        return Err((
            Some(1),
            format!(
                "expected the header `peer,start_s,end_s`, found `{}`",
                shown(&header.join(","), '\0', '\0').trim_matches('\0')
            ),
        ));
    }
    // (start, end, line) of each peer's intervals.
    let mut rows: Vec<Vec<(f64, f64, usize)>> = vec![Vec::new(); count as usize];
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize);
            (line, format!("not a CSV row: {e}"))
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let number = |i: usize, what: &str| -> std::result::Result<f64, TraceError> {
            field(i)
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| {
                    (
                        Some(line),
                        format!(
                            "expected {what} as a finite number of seconds, found `{}`",
                            shown(field(i), '\0', '\0').trim_matches('\0')
                        ),
                    )
                })
        };
        let peer = field(0).parse::<u32>().map_err(|_| {
            (
                Some(line),
                format!(
                    "expected `peer` as a whole number, found `{}`",
                    shown(field(0), '\0', '\0').trim_matches('\0')
                ),
            )
        })?;
        if peer >= count {
            return Err((
                Some(line),
                format!("peer {peer} is beyond the group's {count} peers (numbered from 0)"),
            ));
        }
        let (start, end) = (number(1, "`start_s`")?, number(2, "`end_s`")?);
        if end <= start {
            return Err((
                Some(line),
                format!("an interval must end after it starts: {start} to {end}"),
            ));
        }
        rows[peer as usize].push((start, end, line));
    }
    let mut peers = Vec::with_capacity(rows.len());
    for (peer, mut intervals) in rows.into_iter().enumerate() {
        intervals.sort_by(|a, b| a.0.total_cmp(&b.0));
        for pair in intervals.windows(2) {
            if pair[1].0 < pair[0].1 {
                let (a, b) = if pair[0].2 < pair[1].2 {
                    (pair[0], pair[1])
                } else {
                    (pair[1], pair[0])
                };
                return Err((
                    Some(b.2),
                    format!(
                        "peer {peer}'s intervals overlap: {} to {} (line {}) and {} to {}",
                        a.0, a.1, a.2, b.0, b.1
                    ),
                ));
            }
        }
        peers.push(intervals.into_iter().map(|(s, e, _)| (s, e)).collect());
    }
    Ok(peers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trace_is_read_sorted_by_peer() {
        let text = b"peer,start_s,end_s\n1,5,6\n0,3,4\n0,-2,1\n";
        let peers = parse_trace(text, 3).unwrap();
        assert_eq!(
            peers,
            vec![vec![(-2.0, 1.0), (3.0, 4.0)], vec![(5.0, 6.0)], vec![]]
        );
    }

    #[test]
    fn a_bad_trace_says_which_line() {
        let bad = |text: &str| parse_trace(text.as_bytes(), 2).unwrap_err();
        assert_eq!(bad("peer,start,end\n").0, Some(1));
        let (line, m) = bad("peer,start_s,end_s\n0,1,2\n0,1.5,3\n");
        assert_eq!(line, Some(3));
        assert!(m.contains("overlap"), "{m}");
        let (line, m) = bad("peer,start_s,end_s\n0,1,2\n2,1,2\n");
        assert_eq!(line, Some(3));
        assert!(m.contains("beyond the group's 2 peers"), "{m}");
        let (line, m) = bad("peer,start_s,end_s\n0,2,2\n");
        assert_eq!(line, Some(2));
        assert!(m.contains("must end after it starts"), "{m}");
        let (_, m) = bad("peer,start_s,end_s\n0,x,2\n");
        assert!(m.contains("`start_s`"), "{m}");
    }
}
