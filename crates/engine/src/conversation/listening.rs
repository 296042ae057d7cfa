//! The callee's utterance being transcribed: a task that opens the recogniser when the caller
//! starts speaking, feeds it frame by frame, and finishes it when the turn ends (or is dropped
//! when the utterance was only noise).

use agentline_speech::{SpeechError, SpeechToText};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

type Frame = [i16; crate::media::FRAME];

/// An utterance being fed to the recogniser.
pub(super) struct Hearing {
    pub number: u64,
    frames: mpsc::UnboundedSender<Frame>,
    task: JoinHandle<()>,
}

impl Hearing {
    /// Opens a recognition for utterance `number`, starting with the audio in `preroll`; its
    /// text arrives on `results`.
    pub(super) fn open(
        number: u64,
        stt: Arc<dyn SpeechToText>,
        preroll: Vec<Frame>,
        results: mpsc::UnboundedSender<(u64, Result<String, SpeechError>)>,
    ) -> Self {
        let (frames, inbox) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            let text = transcribe(&*stt, preroll, inbox).await;
            let _ = results.send((number, text));
        });
        Self { number, frames, task }
    }

    pub(super) fn push(&self, frame: Frame) {
        let _ = self.frames.send(frame);
    }

    /// The turn is over: the recogniser finishes and its text follows on the results channel.
    pub(super) fn finish(self) {
        drop(self.frames);
    }

    /// Noise, not a turn: stop recognising.
    pub(super) fn discard(self) {
        self.task.abort();
    }
}

async fn transcribe(
    stt: &dyn SpeechToText,
    preroll: Vec<Frame>,
    mut inbox: mpsc::UnboundedReceiver<Frame>,
) -> Result<String, SpeechError> {
    let mut stream = stt.open().await?;
    for frame in &preroll {
        stream.push(frame).await?;
    }
    while let Some(frame) = inbox.recv().await {
        stream.push(&frame).await?;
    }
    stream.finish().await
}
