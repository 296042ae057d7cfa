//! `{{variable}}` templates in agent instructions and first messages.
//!
//! Rendering is strict: a variable the template names but the call does not supply is an
//! error, never an empty string spoken to a customer.

use minijinja::{Environment, UndefinedBehavior};
use std::collections::BTreeSet;

/// A template that does not compile, or names a variable that was not supplied.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct TemplateError(String);

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env
}

/// Checks that `source` compiles and returns the top-level variables it uses.
pub fn variables_of(source: &str) -> Result<BTreeSet<String>, TemplateError> {
    let env = environment();
    let template = env.template_from_str(source).map_err(|e| TemplateError(e.to_string()))?;
    Ok(template.undeclared_variables(false).into_iter().collect())
}

/// Renders `source` with `variables` (a JSON object); unknown variables are an error.
pub fn render(source: &str, variables: &serde_json::Value) -> Result<String, TemplateError> {
    let env = environment();
    let template = env.template_from_str(source).map_err(|e| TemplateError(e.to_string()))?;
    template.render(minijinja::value::Serde(variables)).map_err(|e| TemplateError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_variables() {
        let vars = variables_of("Hi {{ name }}, about {{appointment_time}}. {{ name }}").unwrap();
        assert_eq!(vars.into_iter().collect::<Vec<_>>(), ["appointment_time", "name"]);
    }

    #[test]
    fn renders_with_all_variables() {
        let out = render("Hi {{name}}, {{ ctx.plan }}", &json!({"name": "Ada", "ctx": {"plan": "Pro"}})).unwrap();
        assert_eq!(out, "Hi Ada, Pro");
    }

    #[test]
    fn missing_variable_is_an_error() {
        let err = render("Hi {{name}}", &json!({})).unwrap_err();
        assert!(err.to_string().contains("undefined"), "{err}");
    }

    #[test]
    fn broken_syntax_is_an_error() {
        assert!(variables_of("Hi {{ name").is_err());
        assert!(variables_of("{% if %}").is_err());
    }
}
