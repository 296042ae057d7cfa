//! API key scopes: what a key may do.
//!
//! A scope is `resource:action`. A key holds a set of grants, each a scope, `resource:*`
//! (every action on one resource) or `*` (everything). Write does not imply read, so a key
//! can be made that only places calls.

use std::fmt;

/// The resources that scopes guard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    Agents,
    Numbers,
    Calls,
    Contacts,
    Billing,
    Webhooks,
}

/// What a request does to a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Read,
    Write,
}

/// One permission a request needs, such as `calls:write`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope {
    pub resource: Resource,
    pub action: Action,
}

impl Resource {
    const ALL: [Self; 6] = [Self::Agents, Self::Numbers, Self::Calls, Self::Contacts, Self::Billing, Self::Webhooks];

    fn name(self) -> &'static str {
        match self {
            Self::Agents => "agents",
            Self::Numbers => "numbers",
            Self::Calls => "calls",
            Self::Contacts => "contacts",
            Self::Billing => "billing",
            Self::Webhooks => "webhooks",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }

    /// Billing is read-only through API keys; money moves only with the admin token.
    fn actions(self) -> &'static [Action] {
        match self {
            Self::Billing => &[Action::Read],
            _ => &[Action::Read, Action::Write],
        }
    }
}

impl Scope {
    pub const fn new(resource: Resource, action: Action) -> Self {
        Self { resource, action }
    }

    /// Every scope that exists, in a stable order.
    pub fn all() -> impl Iterator<Item = Self> {
        Resource::ALL.into_iter().flat_map(|r| r.actions().iter().map(move |&a| Self::new(r, a)))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let action = match self.action {
            Action::Read => "read",
            Action::Write => "write",
        };
        write!(f, "{}:{action}", self.resource.name())
    }
}

/// One entry of a key's scope list, as the client wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Grant {
    Everything,
    AllOf(Resource),
    One(Scope),
}

impl Grant {
    fn parse(text: &str) -> Option<Self> {
        if text == "*" {
            return Some(Self::Everything);
        }
        let (resource, action) = text.split_once(':')?;
        let resource = Resource::from_name(resource)?;
        let action = match action {
            "*" => return Some(Self::AllOf(resource)),
            "read" => Action::Read,
            "write" => Action::Write,
            _ => return None,
        };
        resource.actions().contains(&action).then_some(Self::One(Scope::new(resource, action)))
    }

    fn allows(&self, scope: Scope) -> bool {
        match self {
            Self::Everything => true,
            Self::AllOf(resource) => *resource == scope.resource,
            Self::One(one) => *one == scope,
        }
    }

    fn text(&self) -> String {
        match self {
            Self::Everything => "*".to_owned(),
            Self::AllOf(resource) => format!("{}:*", resource.name()),
            Self::One(scope) => scope.to_string(),
        }
    }
}

/// The scopes granted to a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeSet(Vec<Grant>);

/// A scope string that names no scope.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown scope `{0}`; scopes look like `calls:write`, `contacts:*` or `*`")]
pub struct UnknownScope(pub String);

impl ScopeSet {
    /// Parses and de-duplicates a list of grants; an empty list is allowed (a key that can do nothing).
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<Self, UnknownScope> {
        let mut grants = items
            .iter()
            .map(|s| Grant::parse(s.as_ref()).ok_or_else(|| UnknownScope(s.as_ref().chars().take(64).collect())))
            .collect::<Result<Vec<_>, _>>()?;
        grants.sort();
        grants.dedup();
        Ok(Self(grants))
    }

    /// Every scope (`*`).
    pub fn everything() -> Self {
        Self(vec![Grant::Everything])
    }

    /// The scopes a key gets when its creator names none (as KaiCalls does).
    pub fn default_for_new_key() -> Self {
        Self::parse(&["agents:read", "numbers:read", "calls:read", "calls:write"])
            .expect("the default scopes are valid names")
    }

    pub fn allows(&self, scope: Scope) -> bool {
        self.0.iter().any(|g| g.allows(scope))
    }

    /// The grants as strings, as they are stored and shown.
    pub fn to_strings(&self) -> Vec<String> {
        let mut texts: Vec<String> = self.0.iter().map(Grant::text).collect();
        texts.sort();
        texts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> ScopeSet {
        ScopeSet::parse(items).unwrap()
    }

    #[test]
    fn star_allows_everything() {
        assert!(Scope::all().all(|s| set(&["*"]).allows(s)));
    }

    #[test]
    fn resource_wildcard_covers_only_that_resource() {
        let s = set(&["contacts:*"]);
        assert!(s.allows(Scope::new(Resource::Contacts, Action::Read)));
        assert!(s.allows(Scope::new(Resource::Contacts, Action::Write)));
        assert!(!s.allows(Scope::new(Resource::Calls, Action::Read)));
    }

    #[test]
    fn write_does_not_imply_read() {
        let s = set(&["calls:write"]);
        assert!(s.allows(Scope::new(Resource::Calls, Action::Write)));
        assert!(!s.allows(Scope::new(Resource::Calls, Action::Read)));
    }

    #[test]
    fn unknown_scopes_are_refused() {
        for bad in ["calls", "calls:delete", "billing:write", "everything", "", "*:*"] {
            assert!(ScopeSet::parse(&[bad]).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_scope_round_trips_through_text() {
        for scope in Scope::all() {
            let text = scope.to_string();
            assert_eq!(set(&[&text]).to_strings(), vec![text]);
        }
    }

    #[test]
    fn duplicates_collapse() {
        assert_eq!(set(&["calls:read", "calls:read"]).to_strings(), vec!["calls:read"]);
    }
}
