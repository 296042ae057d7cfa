//! Small JSON reshapings the dialects share: renamed list envelopes, copied fields.

use serde_json::Value;

/// Copies fields under other names: `(new, existing)`; a missing source gives `null`.
pub(crate) fn aliased(mut value: Value, aliases: &[(&str, &str)]) -> Value {
    if let Value::Object(map) = &mut value {
        for (new, existing) in aliases {
            let copied = map.get(*existing).cloned().unwrap_or(Value::Null);
            map.insert((*new).to_owned(), copied);
        }
    }
    value
}

/// Sets fields to fixed values.
pub(crate) fn with(mut value: Value, fields: &[(&str, Value)]) -> Value {
    if let Value::Object(map) = &mut value {
        for (key, field) in fields {
            map.insert((*key).to_owned(), field.clone());
        }
    }
    value
}

/// agentline's list `{"data": […], has_more, …}` with the array under `key` instead, each item
/// converted; the counts (`has_more`, `count`, `page`, `pages`, `limit`) stay.
pub(crate) fn relisted(mut list: Value, key: &str, item: impl Fn(Value) -> Value) -> Value {
    if let Value::Object(map) = &mut list {
        let items = match map.remove("data") {
            Some(Value::Array(items)) => items.into_iter().map(item).collect(),
            _ => Vec::new(),
        };
        map.insert(key.to_owned(), Value::Array(items));
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn relisting_renames_the_array_and_keeps_the_counts() {
        let list = json!({"data": [{"id": "a"}], "has_more": true, "count": 3});
        let out = relisted(list, "calls", |c| aliased(c, &[("call_id", "id")]));
        assert_eq!(out, json!({"calls": [{"id": "a", "call_id": "a"}], "has_more": true, "count": 3}));
    }
}
