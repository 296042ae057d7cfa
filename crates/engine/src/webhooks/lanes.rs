//! At most a few requests at once to any one receiver (its scheme, host and port). A small
//! receiver — Python's `http.server`, with a listen backlog of 5 and one connection per request —
//! drops the connections a burst of 64 opens at once; the client then waits on SYN retries
//! until it times out, though the receiver may have got the request, and the retry sends it twice.
//! A fast receiver still gets thousands a second through a few connections kept alive.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub(crate) struct Lanes {
    per_receiver: usize,
    open: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Lanes {
    pub(crate) fn new(per_receiver: usize) -> Self {
        Self { per_receiver: per_receiver.max(1), open: Mutex::new(HashMap::new()) }
    }

    /// Waits for a free lane to `url`'s receiver; the request may go while the permit lives.
    pub(crate) async fn enter(&self, url: &str) -> Option<OwnedSemaphorePermit> {
        let lane = {
            let mut open = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let lane = open.entry(receiver(url)).or_insert_with(|| Arc::new(Semaphore::new(self.per_receiver)));
            Arc::clone(lane)
        };
        lane.acquire_owned().await.ok()
    }
}

/// The receiver a URL reaches: scheme, host and port.
fn receiver(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => format!(
            "{}://{}:{}",
            parsed.scheme(),
            parsed.host_str().unwrap_or_default(),
            parsed.port_or_known_default().unwrap_or_default()
        ),
        Err(_) => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_of_one_receiver_share_its_lanes() {
        assert_eq!(receiver("http://127.0.0.1:8000/a"), receiver("http://127.0.0.1:8000/b?x=1"));
        assert_eq!(receiver("https://hooks.example.com/x"), "https://hooks.example.com:443");
        assert_ne!(receiver("http://127.0.0.1:8000/a"), receiver("http://127.0.0.1:8001/a"));
    }

    #[tokio::test]
    async fn a_receiver_gets_no_more_than_its_lanes_at_once() {
        let lanes = Lanes::new(2);
        let first = lanes.enter("http://a:1/x").await;
        let second = lanes.enter("http://a:1/y").await;
        let other = tokio::time::timeout(std::time::Duration::from_millis(50), lanes.enter("http://b:1/x")).await;
        assert!(other.is_ok(), "another receiver has lanes of its own");
        let third = tokio::time::timeout(std::time::Duration::from_millis(50), lanes.enter("http://a:1/z")).await;
        assert!(third.is_err(), "the third waits");
        drop((first, second));
        assert!(lanes.enter("http://a:1/z").await.is_some());
    }
}
