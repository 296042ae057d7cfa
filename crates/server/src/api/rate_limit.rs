//! Per-key request rate limits (GCRA), one budget per kind of request. On SQLite (one node) the
//! budgets live in memory (governor); on Postgres they live in the database
//! (`agentline_store::rate_limits`), so that every node spends from the same budget.

use crate::config::RateLimits;
use agentline_store::rate_limits;
use axum::http::Method;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::num::NonZeroU32;

/// Which budget a request spends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestClass {
    CreateCall,
    Read,
    Write,
}

impl RequestClass {
    pub fn of(method: &Method, path: &str) -> Self {
        if method == Method::GET || method == Method::HEAD {
            Self::Read
        } else if method == Method::POST && path.trim_end_matches('/') == "/v1/calls" {
            Self::CreateCall
        } else {
            Self::Write
        }
    }
}

impl RequestClass {
    fn name(self) -> &'static str {
        match self {
            Self::CreateCall => "create_call",
            Self::Read => "read",
            Self::Write => "write",
        }
    }
}

/// The three keyed limiters.
pub struct RateLimiter {
    /// Where the budgets shared by all nodes live (Postgres); `None` keeps them in memory.
    shared: Option<agentline_store::Store>,
    limits: RateLimits,
    create_call: DefaultKeyedRateLimiter<String>,
    read: DefaultKeyedRateLimiter<String>,
    write: DefaultKeyedRateLimiter<String>,
    /// Failed authentications, keyed by client address.
    auth_failures: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

fn keyed(per_minute: u32) -> DefaultKeyedRateLimiter<String> {
    let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
    DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_minute))
}

impl RateLimiter {
    /// Budgets in memory: for one node.
    pub fn new(limits: &RateLimits) -> Self {
        Self {
            shared: None,
            create_call: keyed(limits.calls_create_per_minute),
            read: keyed(limits.read_per_minute),
            write: keyed(limits.write_per_minute),
            auth_failures: keyed(limits.auth_failures_per_minute),
            limits: limits.clone(),
            clock: DefaultClock::default(),
        }
    }

    fn limiter(&self, class: RequestClass) -> &DefaultKeyedRateLimiter<String> {
        match class {
            RequestClass::CreateCall => &self.create_call,
            RequestClass::Read => &self.read,
            RequestClass::Write => &self.write,
        }
    }

    pub fn per_minute(&self, class: RequestClass) -> u32 {
        match class {
            RequestClass::CreateCall => self.limits.calls_create_per_minute,
            RequestClass::Read => self.limits.read_per_minute,
            RequestClass::Write => self.limits.write_per_minute,
        }
    }

    /// Spends one unit of `key`'s budget in `limiter`, or says in whole seconds (at least 1)
    /// when to retry.
    fn spend(&self, limiter: &DefaultKeyedRateLimiter<String>, key: &str) -> Result<(), u64> {
        limiter.check_key(&key.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0).max(u64::from(wait.as_secs() == 0))
        })
    }

    /// Budgets in `store` when it is Postgres, shared by every node on it; in memory otherwise.
    pub fn for_store(limits: &RateLimits, store: &agentline_store::Store) -> Self {
        let shared = (store.dialect() == agentline_store::Dialect::Postgres).then(|| store.clone());
        Self { shared, ..Self::new(limits) }
    }

    /// Spends one request of `key`'s budget for `class`.
    pub async fn check(&self, class: RequestClass, key: &str) -> Result<(), u64> {
        let Some(store) = &self.shared else { return self.spend(self.limiter(class), key) };
        let budget = rate_limits::Budget::per_minute(self.per_minute(class));
        let now_ms = agentline_domain::Timestamp::now().datetime().timestamp_millis();
        match rate_limits::spend(store, &format!("{}:{key}", class.name()), budget, now_ms).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(wait_ms)) => Err(u64::try_from(wait_ms).unwrap_or(1).div_ceil(1000).max(1)),
            Err(err) => {
                // A database that cannot count must not take the API down with it: this node
                // counts on its own until it can again.
                tracing::warn!(error = %err, "shared rate limit unavailable; counting on this node only");
                self.spend(self.limiter(class), key)
            }
        }
    }

    /// Counts a failed authentication from `address`; `Err` with the seconds to wait once the
    /// address has used up its budget.
    pub fn auth_failure(&self, address: &str) -> Result<(), u64> {
        self.spend(&self.auth_failures, address)
    }

    pub fn auth_failures_per_minute(&self) -> u32 {
        self.limits.auth_failures_per_minute
    }

    /// Forgets keys whose budgets are full again, so the maps (and the shared table) do not
    /// grow for ever.
    pub async fn forget_idle_keys(&self) {
        for limiter in [&self.create_call, &self.read, &self.write, &self.auth_failures] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        if let Some(store) = &self.shared
            && let Err(err) =
                rate_limits::forget_idle(store, agentline_domain::Timestamp::now().datetime().timestamp_millis()).await
        {
            tracing::warn!(error = %err, "could not prune the shared rate limits");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_requests() {
        assert_eq!(RequestClass::of(&Method::POST, "/v1/calls"), RequestClass::CreateCall);
        assert_eq!(RequestClass::of(&Method::GET, "/v1/calls"), RequestClass::Read);
        assert_eq!(RequestClass::of(&Method::POST, "/v1/calls/call_x/end"), RequestClass::Write);
        assert_eq!(RequestClass::of(&Method::DELETE, "/v1/agents/agt_x"), RequestClass::Write);
    }

    #[tokio::test]
    async fn allows_a_burst_then_refuses_with_a_wait() {
        let limiter = RateLimiter::new(&RateLimits {
            calls_create_per_minute: 2,
            read_per_minute: 3,
            write_per_minute: 1,
            auth_failures_per_minute: 2,
        });
        for _ in 0..3 {
            assert!(limiter.check(RequestClass::Read, "k").await.is_ok());
        }
        let wait = limiter.check(RequestClass::Read, "k").await.unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        assert!(limiter.check(RequestClass::Read, "other").await.is_ok(), "keys have separate budgets");
        assert!(limiter.check(RequestClass::Write, "k").await.is_ok(), "classes have separate budgets");
    }
}
