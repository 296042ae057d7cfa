//! Turning an async producer into a [`BrainStream`], and the speaker that feeds it sentences.

use crate::sentences::SentenceSplitter;
use crate::{Action, BrainEvent, BrainStream};
use futures_util::Stream;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::mpsc;

/// A stream whose events come from `produce`, which runs inside the stream's own polling: no task is spawned,
/// so dropping the stream drops the producer and every request it has in flight.
pub(crate) fn generate<F, Fut>(produce: F) -> BrainStream
where
    F: FnOnce(Speaker) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = mpsc::unbounded_channel();
    Box::pin(Generated { producer: Some(Box::pin(produce(Speaker::new(tx)))), rx })
}

struct Generated {
    producer: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    rx: mpsc::UnboundedReceiver<BrainEvent>,
}

impl Stream for Generated {
    type Item = BrainEvent;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<BrainEvent>> {
        let this = self.get_mut();
        if let Some(producer) = this.producer.as_mut()
            && producer.as_mut().poll(cx).is_ready()
        {
            // Dropping the producer drops its sender, so the channel ends once drained.
            this.producer = None;
        }
        this.rx.poll_recv(cx)
    }
}

/// Says sentences as they complete, and remembers whether anything was said.
pub(crate) struct Speaker {
    tx: mpsc::UnboundedSender<BrainEvent>,
    splitter: SentenceSplitter,
    said: usize,
}

impl Speaker {
    fn new(tx: mpsc::UnboundedSender<BrainEvent>) -> Self {
        Self { tx, splitter: SentenceSplitter::new(), said: 0 }
    }

    fn send(&self, event: BrainEvent) {
        // The receiver outlives the producer (it owns it), so this cannot fail while anyone listens.
        let _ = self.tx.send(event);
    }

    /// Streamed reply text: says each sentence it completes.
    pub(crate) fn text(&mut self, text: &str) {
        for sentence in self.splitter.push(text) {
            self.say(sentence);
        }
    }

    /// The reply text ended: says what is left of it.
    pub(crate) fn flush(&mut self) {
        if let Some(rest) = self.splitter.finish() {
            self.say(rest);
        }
    }

    /// A whole reply at once, said sentence by sentence.
    pub(crate) fn text_whole(&mut self, text: &str) {
        self.text(text);
        self.flush();
    }

    fn say(&mut self, sentence: String) {
        self.said += 1;
        self.send(BrainEvent::Say(sentence));
    }

    pub(crate) fn act(&self, action: Action) {
        self.send(BrainEvent::Act(action));
    }

    pub(crate) fn tool_called(&self, name: &str, ok: bool, detail: String) {
        self.send(BrainEvent::ToolCalled { name: name.to_owned(), ok, detail });
    }

    /// Something failed: reports it, drops any unfinished sentence, and says `fallback` unless part of the reply
    /// was already said (a fallback after partial speech would sound like a second answer).
    pub(crate) fn degrade(&mut self, what: String, fallback: &str) {
        tracing::warn!(what = %what, said = self.said, "brain degraded");
        self.splitter = SentenceSplitter::new();
        self.send(BrainEvent::Degraded(what));
        if self.said == 0 {
            self.say(fallback.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt as _;

    #[tokio::test]
    async fn events_arrive_while_the_producer_still_runs() {
        let (release_tx, release_rx) = tokio::sync::oneshot::channel::<()>();
        let mut stream = generate(|mut speaker| async move {
            speaker.text("First. Sec");
            let _ = release_rx.await;
            speaker.text("ond.");
            speaker.flush();
        });
        assert_eq!(stream.next().await, Some(BrainEvent::Say("First.".into())));
        release_tx.send(()).unwrap();
        assert_eq!(stream.next().await, Some(BrainEvent::Say("Second.".into())));
        assert_eq!(stream.next().await, None);
    }

    #[tokio::test]
    async fn dropping_the_stream_drops_the_producer() {
        struct Flag(std::sync::Arc<std::sync::atomic::AtomicBool>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let dropped = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = Flag(dropped.clone());
        let mut stream = generate(|mut speaker| async move {
            let _flag = flag;
            speaker.text_whole("Hi.");
            std::future::pending::<()>().await;
        });
        assert_eq!(stream.next().await, Some(BrainEvent::Say("Hi.".into())));
        assert!(!dropped.load(std::sync::atomic::Ordering::SeqCst));
        drop(stream);
        assert!(dropped.load(std::sync::atomic::Ordering::SeqCst));
    }

    #[tokio::test]
    async fn degrade_adds_the_fallback_only_before_speech() {
        let events: Vec<_> = generate(|mut speaker| async move {
            speaker.degrade("boom".into(), "Sorry.");
        })
        .collect()
        .await;
        assert_eq!(events, [BrainEvent::Degraded("boom".into()), BrainEvent::Say("Sorry.".into())]);
        let events: Vec<_> = generate(|mut speaker| async move {
            speaker.text("Said. Half a sen");
            speaker.degrade("boom".into(), "Sorry.");
        })
        .collect()
        .await;
        assert_eq!(events, [BrainEvent::Say("Said.".into()), BrainEvent::Degraded("boom".into())]);
    }
}
