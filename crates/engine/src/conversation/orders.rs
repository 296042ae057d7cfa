//! What the call's supervisor tells a running conversation during a transfer: hold the
//! caller, whisper to the target on the second leg, leave the call to a bridge, or take it back.

use super::Conversation;
use super::reply;
use super::speaking::Purpose;
use crate::leg::CallCommand;
use crate::media::{MediaControl, MediaLink};
use agentline_domain::transfer::{TransferBody, TransferMode};
use agentline_speech::TextToSpeech;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// An order from the supervisor.
pub(crate) enum ConversationOrder {
    /// Tell the caller to hold and stop answering them.
    Hold,
    /// The transfer failed: say so and go on with the call.
    TakeBack,
    /// Say `text` on another leg's media (the transfer's target) with the agent's voice, and
    /// report how long it plays.
    Whisper { text: String, to: MediaControl, length: oneshot::Sender<Duration> },
    /// Stop now and hand the call's media back (for a bridge).
    Leave(oneshot::Sender<MediaLink>),
}

impl Conversation {
    /// Carries out every order but `Leave`, which ends the conversation's loop.
    pub(super) fn on_order(&mut self, order: ConversationOrder) {
        match order {
            ConversationOrder::Hold => {
                self.held = true;
                let phrase = self.ctx.settings().conversation.transfer_hold_phrase.clone();
                self.speak(Purpose::Reminder, reply::phrase(&phrase), None);
            }
            ConversationOrder::TakeBack => {
                self.held = false;
                let phrase = self.ctx.settings().conversation.transfer_failed_phrase.clone();
                self.speak(Purpose::Answer, reply::phrase(&phrase), None);
            }
            ConversationOrder::Whisper { text, to, length } => {
                tokio::spawn(whisper(Arc::clone(&self.tts), text, to, length));
            }
            ConversationOrder::Leave(_) => {}
        }
    }

    /// The brain's `transfer_call`: a blind transfer, as `POST /v1/calls/{id}/transfer` would order.
    pub(super) async fn transfer_to(&mut self, to: &str) {
        let body = TransferBody { to: to.to_owned(), mode: TransferMode::Blind, whisper: None };
        match body.validate() {
            Ok(request) => {
                self.ctx.command(CallCommand::Transfer(request)).await;
            }
            Err(err) => super::record::note(&self.ctx, &self.call, "transfer_refused", &err.to_string()).await,
        }
    }
}

/// Longest wait for the whisper's voice: the target is on the line and the caller on hold.
const WHISPER_WAIT: Duration = Duration::from_secs(10);

/// Synthesizes the whisper whole and plays it on the target's leg; a voice that fails, or is
/// not done within `WHISPER_WAIT`, says nothing (the caller is bridged in at once).
async fn whisper(tts: Arc<dyn TextToSpeech>, text: String, to: MediaControl, length: oneshot::Sender<Duration>) {
    let pcm = match tokio::time::timeout(WHISPER_WAIT, agentline_speech::synthesize_all(tts.as_ref(), &text)).await {
        Ok(Ok(pcm)) => pcm,
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "the transfer whisper could not be synthesized");
            Vec::new()
        }
        Err(_) => {
            tracing::warn!("the transfer whisper's voice did not answer in time; the caller is connected without it");
            Vec::new()
        }
    };
    let played = Duration::from_millis(pcm.len() as u64 / 8);
    if !pcm.is_empty() {
        to.play(1, pcm);
    }
    let _ = length.send(played);
}
