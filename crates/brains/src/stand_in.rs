//! The stand-in brain: one fixed reply after a fixed delay, whatever was said. Benchmarks and tests
//! use it to measure the conversation engine without a model's time in the way.

use crate::{Brain, BrainEvent, BrainStream, Message};
use std::time::Duration;

/// Replies `reply` to every caller turn, `delay` after being asked.
#[derive(Clone, Debug)]
pub struct StandInBrain {
    pub reply: String,
    pub delay: Duration,
}

impl Brain for StandInBrain {
    fn reply(&mut self, _transcript: &[Message]) -> BrainStream {
        let (reply, delay) = (self.reply.clone(), self.delay);
        Box::pin(futures_util::stream::once(async move {
            tokio::time::sleep(delay).await;
            BrainEvent::Say(reply)
        }))
    }
}
