//! Building SQL with `$N` placeholders, the form both engines accept.

use agentline_domain::Timestamp;
use sqlx::any::AnyArguments;
use sqlx::{Arguments, AssertSqlSafe};

/// A value bound to a placeholder. Only the two column types the schema uses.
#[derive(Clone, Debug, PartialEq)]
pub enum Param {
    Text(Option<String>),
    Int(Option<i64>),
}

impl From<String> for Param {
    fn from(v: String) -> Self {
        Self::Text(Some(v))
    }
}
impl From<&str> for Param {
    fn from(v: &str) -> Self {
        Self::Text(Some(v.to_owned()))
    }
}
impl From<Option<String>> for Param {
    fn from(v: Option<String>) -> Self {
        Self::Text(v)
    }
}
impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Self::Int(Some(v))
    }
}
impl From<Option<i64>> for Param {
    fn from(v: Option<i64>) -> Self {
        Self::Int(v)
    }
}
impl From<bool> for Param {
    fn from(v: bool) -> Self {
        Self::Int(Some(i64::from(v)))
    }
}
impl From<Timestamp> for Param {
    fn from(v: Timestamp) -> Self {
        Self::Text(Some(v.to_db()))
    }
}
impl From<Option<Timestamp>> for Param {
    fn from(v: Option<Timestamp>) -> Self {
        Self::Text(v.map(Timestamp::to_db))
    }
}

/// Text of a query plus its parameters, numbered as they are pushed.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    text: String,
    params: Vec<Param>,
}

impl Sql {
    pub(crate) fn new(text: &str) -> Self {
        Self { text: text.to_owned(), params: Vec::new() }
    }

    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `param`.
    pub(crate) fn bind(&mut self, param: impl Into<Param>) -> &mut Self {
        self.params.push(param.into());
        let n = self.params.len();
        self.text.push_str(&format!("${n}"));
        self
    }

    /// The text and arguments, ready for `query_with`. The text is built only from
    /// `'static` fragments in this crate; values always travel as parameters.
    pub(crate) fn build(self) -> (AssertSqlSafe<String>, AnyArguments) {
        let mut args = AnyArguments::default();
        for param in self.params {
            // Encoding a String or i64 into the Any buffer cannot fail.
            let added = match param {
                Param::Text(v) => args.add(v),
                Param::Int(v) => args.add(v),
            };
            debug_assert!(added.is_ok());
        }
        (AssertSqlSafe(self.text), args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_in_order() {
        let mut sql = Sql::new("SELECT * FROM t WHERE a = ");
        sql.bind("x").push(" AND b = ").bind(3_i64);
        assert_eq!(sql.text, "SELECT * FROM t WHERE a = $1 AND b = $2");
        assert_eq!(sql.params, vec![Param::from("x"), Param::from(3_i64)]);
    }
}
