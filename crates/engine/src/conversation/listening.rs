//! The callee's utterance being transcribed: a task that opens the recogniser when the caller
//! starts speaking, feeds it frame by frame, and finishes it when the turn ends (or is dropped
//! when the utterance was only noise).
//!
//! With a local recogniser the utterance is also drafted: at each of the caller's pauses the words
//! so far are transcribed on the side. The turn-taker uses a draft to end the turn sooner when the
//! caller finished a sentence, and when the turn ends with no speech after the draft, the draft is
//! the transcript: the recogniser's time is spent during the pause, not after it.

use agentline_speech::{SpeechError, SpeechToText};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

type Frame = [i16; crate::media::FRAME];

/// A recognised utterance: its number and text.
pub(super) type Heard = (u64, Result<String, SpeechError>);

/// A draft's outcome: the utterance, the end of the speech it covers, its text.
pub(super) type Draft = (u64, Duration, Result<String, SpeechError>);

/// An utterance being fed to the recogniser.
pub(super) struct Hearing {
    pub number: u64,
    stt: Arc<dyn SpeechToText>,
    frames: mpsc::UnboundedSender<Frame>,
    task: JoinHandle<()>,
    /// Everything heard, kept for drafts (empty when the recogniser does not draft).
    heard: Vec<Frame>,
    drafts: Option<mpsc::UnboundedSender<Draft>>,
    draft: DraftState,
}

/// The utterance's latest draft.
enum DraftState {
    None,
    /// Transcribing the speech that ended at this time.
    Running(Duration, JoinHandle<()>),
    /// The text of the speech that ended at this time.
    Done(Duration, Result<String, SpeechError>),
}

/// How the turn's transcript will come.
pub(super) enum Ending {
    /// A draft covers the whole turn: here is its text.
    Drafted(Result<String, SpeechError>),
    /// A draft covering the whole turn is still running: its result is the transcript.
    AwaitDraft,
    /// The recogniser finishes the turn; the text follows on the results channel.
    Finishing,
}

impl Hearing {
    /// Opens a recognition for utterance `number`, starting with the audio in `preroll`; its
    /// text arrives on `results`. Drafts, when the recogniser makes them cheaply, arrive on `drafts`.
    pub(super) fn open(
        number: u64,
        stt: Arc<dyn SpeechToText>,
        preroll: Vec<Frame>,
        results: mpsc::UnboundedSender<Heard>,
        drafts: mpsc::UnboundedSender<Draft>,
    ) -> Self {
        let drafts = stt.drafts_are_cheap().then_some(drafts);
        let heard = if drafts.is_some() { preroll.clone() } else { Vec::new() };
        let (frames, inbox) = mpsc::unbounded_channel();
        let engine = Arc::clone(&stt);
        let task = tokio::spawn(async move {
            let text = transcribe(&*engine, preroll, inbox).await;
            let _ = results.send((number, text));
        });
        Self { number, stt, frames, task, heard, drafts, draft: DraftState::None }
    }

    pub(super) fn push(&mut self, frame: Frame) {
        if self.drafts.is_some() {
            self.heard.push(frame);
        }
        let _ = self.frames.send(frame);
    }

    /// The caller paused after speech ending at `speech_end`: transcribe what they said so far
    /// (the previous draft, now stale, is dropped).
    pub(super) fn draft(&mut self, speech_end: Duration) {
        let Some(drafts) = self.drafts.clone() else { return };
        self.abort_draft();
        let (stt, heard, number) = (Arc::clone(&self.stt), self.heard.clone(), self.number);
        let task = tokio::spawn(async move {
            let (_, inbox) = mpsc::unbounded_channel();
            let text = transcribe(&*stt, heard, inbox).await;
            let _ = drafts.send((number, speech_end, text));
        });
        self.draft = DraftState::Running(speech_end, task);
    }

    /// A draft came back; keeps it when it is the latest.
    pub(super) fn drafted(&mut self, speech_end: Duration, text: Result<String, SpeechError>) {
        if matches!(self.draft, DraftState::Running(end, _) if end == speech_end) {
            self.draft = DraftState::Done(speech_end, text);
        }
    }

    /// The turn is over with the caller's last speech ending at `speech_end`: a draft that
    /// covers it is the transcript, else the recogniser finishes and its text follows on the
    /// results channel.
    pub(super) fn finish(mut self, speech_end: Duration) -> Ending {
        match std::mem::replace(&mut self.draft, DraftState::None) {
            DraftState::Done(end, text) if end == speech_end => {
                self.task.abort();
                Ending::Drafted(text)
            }
            DraftState::Running(end, task) if end == speech_end => {
                self.task.abort();
                // The draft task goes on; dropping its handle does not stop it.
                drop(task);
                Ending::AwaitDraft
            }
            _ => {
                drop(self.frames);
                Ending::Finishing
            }
        }
    }

    /// Noise, not a turn: stop recognising.
    pub(super) fn discard(mut self) {
        self.abort_draft();
        self.task.abort();
    }

    fn abort_draft(&mut self) {
        if let DraftState::Running(_, task) = std::mem::replace(&mut self.draft, DraftState::None) {
            task.abort();
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use agentline_speech::SttStream;

    /// Hears "<n> frames" for n frames pushed; drafts are cheap.
    struct FrameCounter;

    struct Counting(usize);

    #[async_trait::async_trait]
    impl SpeechToText for FrameCounter {
        fn name(&self) -> &'static str {
            "frame-counter"
        }

        async fn open(&self) -> Result<Box<dyn SttStream>, SpeechError> {
            Ok(Box::new(Counting(0)))
        }

        fn drafts_are_cheap(&self) -> bool {
            true
        }
    }

    #[async_trait::async_trait]
    impl SttStream for Counting {
        async fn push(&mut self, _pcm_8k: &[i16]) -> Result<(), SpeechError> {
            self.0 += 1;
            Ok(())
        }

        async fn finish(self: Box<Self>) -> Result<String, SpeechError> {
            Ok(format!("{} frames", self.0))
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn open() -> (Hearing, mpsc::UnboundedReceiver<Heard>, mpsc::UnboundedReceiver<Draft>) {
        let ((results, finals), (drafts, drafted)) = (mpsc::unbounded_channel(), mpsc::unbounded_channel());
        (Hearing::open(7, Arc::new(FrameCounter), vec![[0; 160]; 2], results, drafts), finals, drafted)
    }

    #[tokio::test]
    async fn a_draft_covering_the_whole_turn_is_its_transcript() {
        let (mut hearing, _finals, mut drafts) = open();
        (0..3).for_each(|_| hearing.push([1; 160]));
        hearing.draft(ms(900));
        let (number, end, text) = drafts.recv().await.unwrap();
        assert_eq!((number, end, text.clone()), (7, ms(900), Ok("5 frames".to_owned())));
        hearing.drafted(end, text);
        match hearing.finish(ms(900)) {
            Ending::Drafted(text) => assert_eq!(text.unwrap(), "5 frames"),
            _ => panic!("the draft covers the turn"),
        }
    }

    #[tokio::test]
    async fn speech_after_the_draft_needs_the_recogniser_to_finish() {
        let (mut hearing, mut finals, mut drafts) = open();
        hearing.push([1; 160]);
        hearing.draft(ms(500));
        let (_, end, text) = drafts.recv().await.unwrap();
        hearing.drafted(end, text);
        hearing.push([1; 160]); // the caller went on
        assert!(matches!(hearing.finish(ms(800)), Ending::Finishing));
        assert_eq!(finals.recv().await.unwrap(), (7, Ok("4 frames".to_owned())));
    }

    #[tokio::test]
    async fn a_running_draft_is_awaited_and_stale_ones_are_ignored() {
        let (mut hearing, _finals, mut drafts) = open();
        hearing.draft(ms(300));
        hearing.drafted(ms(100), Ok("stale".into())); // not the latest: ignored
        assert!(matches!(hearing.finish(ms(300)), Ending::AwaitDraft));
        assert_eq!(drafts.recv().await.unwrap(), (7, ms(300), Ok("2 frames".to_owned())));
    }
}
