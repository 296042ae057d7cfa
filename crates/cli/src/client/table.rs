//! Plain-text tables and field lists for people.

use serde_json::Value;

/// A JSON value as a table cell: strings bare, null as `-`, objects compact.
pub(crate) fn cell(value: &Value) -> String {
    match value {
        Value::Null => "-".to_owned(),
        Value::String(s) => s.replace(['\n', '\r', '\t'], " "),
        other => other.to_string(),
    }
}

/// Prints rows under a header, each column as wide as its widest cell.
pub(crate) fn print_table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, text) in row.iter().enumerate() {
            if let Some(width) = widths.get_mut(i) {
                *width = (*width).max(text.chars().count().min(60));
            }
        }
    }
    let line = |cells: Vec<String>| {
        let mut out = String::new();
        for (i, text) in cells.iter().enumerate() {
            let shown: String = if text.chars().count() > 60 {
                text.chars().take(59).chain(std::iter::once('…')).collect()
            } else {
                text.clone()
            };
            if i + 1 == cells.len() {
                out.push_str(&shown);
            } else {
                out.push_str(&format!("{shown:<width$}  ", width = widths[i]));
            }
        }
        println!("{}", out.trim_end());
    };
    line(headers.iter().map(|h| h.to_uppercase()).collect());
    for row in rows {
        line(row.clone());
    }
}

/// Prints an object's fields one a line; nested objects compact, nulls left out.
pub(crate) fn print_fields(value: &Value) {
    let Some(map) = value.as_object() else {
        println!("{}", cell(value));
        return;
    };
    let width = map.keys().map(|k| k.len()).max().unwrap_or(0);
    for (key, value) in map {
        if value.is_null() {
            continue;
        }
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let mut lines = text.lines();
        println!("{key:<width$}  {}", lines.next().unwrap_or(""));
        for more in lines {
            println!("{:<width$}  {more}", "");
        }
    }
}
