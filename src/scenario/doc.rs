//! A scenario document: the TOML tree with the origin of every key and
//! value, so that any later error can point at the line it came from, and
//! `--set PATH=VALUE` overrides can be applied before validation.

use toml::de::{DeTable, DeValue};

use super::error::{cut, shown, Origin};

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(String),
    Int(i128),
    Float(f64),
    Bool(bool),
    Array(Vec<Node>),
    Table(Vec<Entry>),
    Datetime(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_origin: Origin,
    pub node: Node,
}

impl Value {
    /// The value's kind and, for scalars, the value, as a user wrote it.
    pub fn describe(&self) -> String {
        match self {
            Value::Str(s) => format!("the string {}", shown(s, '"', '"')),
            Value::Int(i) => format!("the integer {i}"),
            Value::Float(x) => format!("the number {x}"),
            Value::Bool(b) => format!("the boolean {b}"),
            Value::Array(_) => "an array".into(),
            Value::Table(_) => "a table".into(),
            Value::Datetime(d) => format!("the date-time {}", cut(d)),
        }
    }
}

impl Node {
    pub fn table(entries: Vec<Entry>, origin: Origin) -> Node {
        Node {
            value: Value::Table(entries),
            origin,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Table(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.node),
            _ => None,
        }
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.value {
            Value::Table(entries) => entries
                .iter_mut()
                .find(|e| e.key == key)
                .map(|e| &mut e.node),
            _ => None,
        }
    }

    /// Sets `key` in this table, replacing or appending it.
    fn set(&mut self, key: &str, node: Node) {
        if let Some(slot) = self.get_mut(key) {
            *slot = node;
        } else if let Value::Table(entries) = &mut self.value {
            entries.push(Entry {
                key: key.to_string(),
                key_origin: node.origin.clone(),
                node,
            });
        }
    }
}

/// A value as a user would write it on the command line: strings bare,
/// everything else as TOML (`10`, `0.9`, `{ dist = "uniform", low = 1, high = 2 }`).
pub fn value_text(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => s.clone(),
        _ => toml_text(node),
    }
}

fn toml_text(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => format!("{s:?}"),
        Value::Int(i) => i.to_string(),
        Value::Float(x) => format!("{x:?}"),
        Value::Bool(b) => b.to_string(),
        Value::Datetime(d) => d.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(toml_text).collect::<Vec<_>>().join(", ")
        ),
        Value::Table(entries) => format!(
            "{{ {} }}",
            entries
                .iter()
                .map(|e| format!("{} = {}", e.key, toml_text(&e.node)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// TOML text of a document whose top level holds tables (each written as a
/// `[section]`) and arrays of tables (`[[sections]]`), every value inside
/// them inline: what [`parse`] reads back into the same document (origins
/// aside).
pub fn to_toml(doc: &Node) -> String {
    let mut out = String::new();
    let Value::Table(entries) = &doc.value else {
        return out;
    };
    let is_table = |n: &Node| matches!(n.value, Value::Table(_));
    let sections = |e: &&Entry| match &e.node.value {
        Value::Table(_) => true,
        Value::Array(items) => !items.is_empty() && items.iter().all(is_table),
        _ => false,
    };
    for e in entries.iter().filter(|e| !sections(e)) {
        out += &format!("{} = {}\n", toml_key(&e.key), toml_value(&e.node));
    }
    for e in entries.iter().filter(sections) {
        let tables: Vec<&Node> = match &e.node.value {
            Value::Array(items) => items.iter().collect(),
            _ => vec![&e.node],
        };
        let header = match &e.node.value {
            Value::Array(_) => format!("[[{}]]", toml_key(&e.key)),
            _ => format!("[{}]", toml_key(&e.key)),
        };
        for table in tables {
            if !out.is_empty() {
                out.push('\n');
            }
            out += &header;
            out.push('\n');
            if let Value::Table(inner) = &table.value {
                for e in inner {
                    out += &format!("{} = {}\n", toml_key(&e.key), toml_value(&e.node));
                }
            }
        }
    }
    out
}

/// A key, bare when TOML allows it, else quoted.
fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_string()
    } else {
        toml_string(key)
    }
}

/// A TOML basic string: quotes, backslashes and control characters escaped.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out += "\\\"",
            '\\' => out += "\\\\",
            c if c.is_control() => out += &format!("\\u{:04X}", c as u32),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A value written inline, exactly: floats in the shortest form that reads
/// back to the same number.
fn toml_value(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => toml_string(s),
        Value::Int(i) => i.to_string(),
        Value::Float(x) => format!("{x:?}"),
        Value::Bool(b) => b.to_string(),
        Value::Datetime(d) => d.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(toml_value).collect::<Vec<_>>().join(", ")
        ),
        Value::Table(entries) => format!(
            "{{ {} }}",
            entries
                .iter()
                .map(|e| format!("{} = {}", toml_key(&e.key), toml_value(&e.node)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// What the TOML parser says is wrong with `text`, naming the key where it
/// does not ("duplicate key `duration_s`").
pub fn toml_message(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim();
    match e.span().and_then(|s| text.get(s)) {
        Some(key) if message == "duplicate key" => {
            let key = key.trim();
            let bare = key
                .strip_prefix('"')
                .and_then(|k| k.strip_suffix('"'))
                .or_else(|| key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')))
                .unwrap_or(key);
            format!("duplicate key `{bare}`")
        }
        _ => message.to_string(),
    }
}

/// Parses TOML text into a document.
pub fn parse(text: &str) -> Result<Node, toml::de::Error> {
    let table = DeTable::parse(text)?;
    let span = table.span();
    Ok(from_table(table.into_inner(), span))
}

/// Parses the VALUE of `--set PATH=VALUE`: a TOML value (`0.9`, `"x"`,
/// `{ dist = "uniform", low = 1, high = 2 }`), or else a bare word taken as
/// a string, so that `--set coordinator.policy=random` works unquoted.
pub fn parse_set_value(text: &str, origin: Origin) -> Result<Node, String> {
    let node = match DeValue::parse(text) {
        Ok(v) => from_value(v.into_inner(), 0..0),
        Err(e) => {
            let bare = !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_alphanumeric() || "_-.".contains(c));
            if !bare {
                return Err(toml_message(text, &e));
            }
            Node {
                value: Value::Str(text.to_string()),
                origin: Origin::Default,
            }
        }
    };
    Ok(relabel(node, &origin))
}

/// The same value, as coming from `origin` (a grid value applied to a
/// scenario keeps no position in it).
pub fn relabel(mut node: Node, origin: &Origin) -> Node {
    node.origin = origin.clone();
    match &mut node.value {
        Value::Array(items) => {
            for item in items.iter_mut() {
                *item = relabel(item.clone(), origin);
            }
        }
        Value::Table(entries) => {
            for e in entries.iter_mut() {
                e.key_origin = origin.clone();
                e.node = relabel(e.node.clone(), origin);
            }
        }
        _ => {}
    }
    node
}

fn from_table(table: DeTable<'_>, span: std::ops::Range<usize>) -> Node {
    let entries = table
        .into_iter()
        .map(|(k, v)| {
            let key_origin = Origin::File(k.span());
            let v_span = v.span();
            Entry {
                key: k.into_inner().into_owned(),
                key_origin,
                node: from_value(v.into_inner(), v_span),
            }
        })
        .collect();
    Node::table(entries, Origin::File(span))
}

fn from_value(value: DeValue<'_>, span: std::ops::Range<usize>) -> Node {
    let value = match value {
        DeValue::String(s) => Value::Str(s.into_owned()),
        DeValue::Integer(i) => {
            let digits: String = i.as_str().chars().filter(|c| *c != '_').collect();
            match i128::from_str_radix(&digits, i.radix()) {
                Ok(n) => Value::Int(n),
                Err(_) => Value::Float(f64::INFINITY),
            }
        }
        DeValue::Float(x) => {
            let text: String = x.as_str().chars().filter(|c| *c != '_').collect();
            Value::Float(text.parse().unwrap_or(f64::NAN))
        }
        DeValue::Boolean(b) => Value::Bool(b),
        DeValue::Datetime(d) => Value::Datetime(d.to_string()),
        DeValue::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| from_value(item.get_ref().clone(), item.span()))
                .collect(),
        ),
        DeValue::Table(t) => return from_table(t, span),
    };
    Node {
        value,
        origin: Origin::File(span),
    }
}

/// Replaces the value at `path` (`coordinator.policy`, `peers.0.count`,
/// `peers.home_gpu.reliability`) in `doc`, making missing tables on the way.
pub fn apply(doc: &mut Node, path: &str, value: Node) -> Result<(), String> {
    let parts: Vec<&str> = path.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!(
            "{} is not a key path (expected e.g. coordinator.policy or peers.0.count)",
            shown(path, '`', '`')
        ));
    }
    let (last, inner) = parts.split_last().expect("split yields one part");
    let mut node = doc;
    let mut i = 0;
    while i < inner.len() {
        let part = inner[i];
        if part == "peers" && i == 0 {
            let which = parts.get(1).copied().unwrap_or_default();
            node = peer_group(node, which)?;
            i += 2;
            if i > inner.len() {
                return Err(format!(
                    "{} names a peer group, not one of its keys",
                    shown(path, '`', '`')
                ));
            }
            continue;
        }
        if node.get(part).is_none() {
            // Made for the override: an error about it blames the override.
            node.set(part, Node::table(Vec::new(), value.origin.clone()));
        }
        node = node.get_mut(part).expect("just made");
        if !matches!(node.value, Value::Table(_)) {
            return Err(format!(
                "{} is not a table",
                shown(&inner[..=i].join("."), '`', '`')
            ));
        }
        i += 1;
    }
    node.set(last, value);
    Ok(())
}

/// The `[[peers]]` table named by index or by group name. One rule, for
/// `--set` and for a sweep's keys alike: digits alone are an index, counted
/// from 0 and written without leading zeros (group names may not be
/// numbers, so an index never means a name); anything else is a name.
fn peer_group<'a>(doc: &'a mut Node, which: &str) -> Result<&'a mut Node, String> {
    let Some(Node {
        value: Value::Array(groups),
        ..
    }) = doc.get_mut("peers")
    else {
        return Err("the scenario has no [[peers]] groups to set".into());
    };
    let names: Vec<String> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| match g.get("group").map(|n| &n.value) {
            Some(Value::Str(s)) => s.clone(),
            _ => format!("group{i}"),
        })
        .collect();
    let is_index = !which.is_empty() && which.bytes().all(|b| b.is_ascii_digit());
    let index = if is_index {
        if which.len() > 1 && which.starts_with('0') {
            return Err(format!(
                "{} is not a group index: write an index without leading zeros, e.g. peers.0",
                shown(&format!("peers.{which}"), '`', '`')
            ));
        }
        match which.parse::<usize>() {
            Ok(i) if i < groups.len() => i,
            _ => {
                return Err(format!(
                    "there is no peer group {}: the scenario has {} (numbered from 0)",
                    cut(which),
                    groups.len()
                ))
            }
        }
    } else {
        names.iter().position(|n| n == which).ok_or_else(|| {
            format!(
                "there is no peer group named {}; groups: {}",
                shown(which, '`', '`'),
                cut(&names.join(", "))
            )
        })?
    };
    Ok(&mut groups[index])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_spans_of_keys_and_values() {
        let text = "[coordinator]\npolicy = \"random\"\n";
        let doc = parse(text).unwrap();
        let policy = doc.get("coordinator").unwrap().get("policy").unwrap();
        assert_eq!(policy.value, Value::Str("random".into()));
        let Origin::File(span) = &policy.origin else {
            panic!()
        };
        assert_eq!(&text[span.clone()], "\"random\"");
    }

    #[test]
    fn overrides_by_index_group_name_and_new_tables() {
        let text = "[[peers]]\ngroup = \"a\"\ncount = 1\n[[peers]]\ncount = 2\n";
        let mut doc = parse(text).unwrap();
        let set = |s: &str| parse_set_value(s, Origin::Set(s.into())).unwrap();
        apply(&mut doc, "peers.a.count", set("10")).unwrap();
        apply(&mut doc, "peers.1.count", set("20")).unwrap();
        apply(&mut doc, "peers.group1.slots", set("3")).unwrap();
        apply(&mut doc, "coordinator.policy", set("random")).unwrap();
        let Value::Array(groups) = &doc.get("peers").unwrap().value else {
            panic!()
        };
        assert_eq!(groups[0].get("count").unwrap().value, Value::Int(10));
        assert_eq!(groups[1].get("count").unwrap().value, Value::Int(20));
        assert_eq!(groups[1].get("slots").unwrap().value, Value::Int(3));
        let policy = doc.get("coordinator").unwrap().get("policy").unwrap();
        assert_eq!(policy.value, Value::Str("random".into()));
        assert!(apply(&mut doc, "peers.nope.count", set("1"))
            .unwrap_err()
            .contains("groups: a, group1"));
        assert!(apply(&mut doc, "peers.5.count", set("1")).is_err());
    }

    #[test]
    fn values_print_as_a_user_writes_them() {
        let doc = parse(
            "a = \"random\"\nb = 10\nc = 0.5\nd = { dist = \"uniform\", low = 1, high = 2.5 }\n",
        )
        .unwrap();
        let text = |k| value_text(doc.get(k).unwrap());
        assert_eq!(text("a"), "random");
        assert_eq!(text("b"), "10");
        assert_eq!(text("c"), "0.5");
        assert_eq!(text("d"), "{ dist = \"uniform\", low = 1, high = 2.5 }");
    }

    #[test]
    fn duplicate_keys_are_named() {
        let message = |text: &str| toml_message(text, &parse(text).unwrap_err());
        assert_eq!(message("a = 1\na = 2\n"), "duplicate key `a`");
        assert_eq!(
            message("[grid]\n\"peers.0.count\" = [1]\n\"peers.0.count\" = [2]\n"),
            "duplicate key `peers.0.count`"
        );
        assert_eq!(message("[t]\nx = 1\n[t]\n"), "duplicate key `t`");
        assert_eq!(
            parse_set_value("{ low = 1, low = 2 }", Origin::Default).unwrap_err(),
            "duplicate key `low`"
        );
        // Other messages are the parser's own.
        assert_eq!(message("[t\n"), "unclosed table, expected `]`");
    }

    #[test]
    fn a_document_written_as_toml_reads_back_the_same() {
        let text = "[a]\ns = \"quote \\\" back \\\\ tab \\t é\"\nx = 1e-7\ny = -0.0\n\
                    d = { dist = \"choice\", values = [1.0, 2.5] }\n\"odd key\" = true\n\
                    [[p]]\nn = 1\n[[p]]\nn = 2\n";
        let doc = parse(text).unwrap();
        let written = to_toml(&doc);
        let plain = |n: Node| format!("{:?}", relabel(n, &Origin::Default));
        let again = parse(&written).unwrap();
        assert_eq!(to_toml(&again), written);
        assert_eq!(plain(again), plain(doc), "{written}");
        assert!(written.contains("\"odd key\" = true"), "{written}");
        assert!(written.contains("[[p]]\nn = 2\n"), "{written}");
    }

    #[test]
    fn set_values_may_be_tables() {
        let node =
            parse_set_value("{ dist = \"uniform\", low = 1, high = 2 }", Origin::Default).unwrap();
        assert_eq!(node.get("low").unwrap().value, Value::Int(1));
        assert!(parse_set_value("{ broken", Origin::Default).is_err());
    }
}
