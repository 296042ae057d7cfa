//! The sandbox's answering machines (0104 with a beep, 0110 without): on answer they play a
//! greeting in the callee's voice, then the beep, then record (stay silent) until the agent hangs
//! up, or hang up themselves after [`RECORDING_LIMIT`], as voicemail boxes do.

use crate::media::MediaLink;
use agentline_conversation::tone::sine;
use agentline_domain::call::EndReason;
use agentline_speech::TextToSpeech;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The greeting of the machine that beeps (about 5 s).
const GREETING_WITH_BEEP: &str =
    "Hi, you've reached Sam Carter. I can't take your call right now. Please leave a message after the tone.";
/// The greeting of the machine that does not (about 6 s).
const GREETING_WITHOUT_BEEP: &str =
    "Hi, this is Sam Carter. I'm not available at the moment, so leave your name and number and I will call you back.";
/// Quiet after the answer, and between the greeting and the beep.
const PAUSE: Duration = Duration::from_millis(400);
/// The longest message the machine records.
pub(crate) const RECORDING_LIMIT: Duration = Duration::from_secs(30);

/// Why the line ends on the machine's side.
pub(crate) type Hangup = mpsc::Sender<(EndReason, &'static str)>;

/// Starts making what the machine plays on answer: a pause, the greeting, and the beep if it has one.
pub(crate) fn greeting(voice: Arc<dyn TextToSpeech>, beep: bool) -> JoinHandle<Vec<Vec<i16>>> {
    tokio::spawn(async move {
        let greeting = if beep { GREETING_WITH_BEEP } else { GREETING_WITHOUT_BEEP };
        let mut audio = silence(PAUSE);
        // A voice that fails leaves only the beep.
        audio.extend(agentline_speech::synthesize_all(voice.as_ref(), greeting).await.unwrap_or_default());
        if beep {
            audio.extend(silence(PAUSE));
            audio.extend(sine(1_000.0, 0.5, 9_000.0));
        }
        vec![audio]
    })
}

/// Plays the machine on the callee's side of the line: its greeting (being made by [`greeting`]),
/// then it records.
pub(crate) async fn answer(mut link: MediaLink, greeting: JoinHandle<Vec<Vec<i16>>>, hangup: Hangup) {
    for chunk in greeting.await.unwrap_or_default() {
        link.control.play(1, chunk);
    }
    let recording = tokio::time::sleep(RECORDING_LIMIT + Duration::from_secs(8));
    tokio::pin!(recording);
    loop {
        tokio::select! {
            tick = link.ticks.recv() => if tick.is_none() { return },
            () = &mut recording => break,
        }
    }
    let _ = hangup.send((EndReason::Voicemail, "the answering machine stopped recording")).await;
}

fn silence(length: Duration) -> Vec<i16> {
    vec![0; (length.as_millis() * 8) as usize]
}
