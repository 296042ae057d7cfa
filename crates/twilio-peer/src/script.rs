//! What the person on the phone does: a list of steps played out one 20 ms frame at a time.
//! [`ScriptPlayer`] is pure (no clock, no socket): the media stream asks it, once per frame, what
//! the caller sends next, telling it whether agent audio played in that frame.

use std::time::Duration;

/// Samples in one 20 ms frame of 8 kHz audio, the size of every `media` message Twilio sends.
pub(crate) const FRAME_SAMPLES: usize = 160;
/// The frame period Twilio paces media at.
pub(crate) const FRAME: Duration = Duration::from_millis(20);

/// One thing the caller does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Speak this 8 kHz PCM, frame by frame (the last frame padded with silence).
    Say(Vec<i16>),
    /// Send silence for this long (rounded up to whole frames).
    Silence(Duration),
    /// Press a key: a `dtmf` message goes out right away (audio keeps flowing).
    Dtmf(char),
    /// Stay silent until agent audio is playing, or `timeout` passes (noted in the log).
    WaitForAgentAudio { timeout: Duration },
    /// Stay silent until, within this step, nothing has played for `quiet` in a row, or `timeout`
    /// passes (noted in the log). Put a [`Step::WaitForAgentAudio`] before it to wait for a reply
    /// to start first.
    WaitForAgentSilence { quiet: Duration, timeout: Duration },
    /// Hang up: `stop`, close the socket, and the call completes.
    Hangup,
}

/// The caller's steps, in order; after the last one the caller stays on the line in silence.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallerScript {
    steps: Vec<Step>,
}

impl CallerScript {
    /// A caller who says nothing and never hangs up.
    pub fn silent() -> Self {
        Self::default()
    }

    pub fn new(steps: Vec<Step>) -> Self {
        Self { steps }
    }

    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    pub fn then(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    pub fn say(self, pcm: impl Into<Vec<i16>>) -> Self {
        self.then(Step::Say(pcm.into()))
    }

    pub fn silence(self, duration: Duration) -> Self {
        self.then(Step::Silence(duration))
    }

    pub fn dtmf(self, digit: char) -> Self {
        self.then(Step::Dtmf(digit))
    }

    pub fn wait_for_agent_audio(self, timeout: Duration) -> Self {
        self.then(Step::WaitForAgentAudio { timeout })
    }

    pub fn wait_for_agent_silence(self, quiet: Duration, timeout: Duration) -> Self {
        self.then(Step::WaitForAgentSilence { quiet, timeout })
    }

    pub fn hangup(self) -> Self {
        self.then(Step::Hangup)
    }
}

impl From<Vec<Step>> for CallerScript {
    fn from(steps: Vec<Step>) -> Self {
        Self::new(steps)
    }
}

/// What the caller does in one frame.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct CallerFrame {
    /// Keys pressed at the start of this frame.
    pub(crate) dtmf: Vec<char>,
    /// The audio sent in this frame.
    pub(crate) pcm: [i16; FRAME_SAMPLES],
    /// The caller hangs up instead of sending this frame.
    pub(crate) hangup: bool,
    /// Indexes of wait steps that gave up in this frame.
    pub(crate) timed_out: Vec<usize>,
}

/// How far into the current step the caller is.
#[derive(Default)]
struct Cursor {
    /// Samples said (`Say`) or frames spent (`Silence`, waits).
    progress: usize,
    /// Frames in a row with nothing playing (`WaitForAgentSilence`).
    quiet: usize,
}

/// What a step did with the frame.
enum Outcome {
    /// The step is over; the next one fills this frame.
    Done,
    /// The step filled this frame and goes on.
    Sent,
    TimedOut,
    Hangup,
}

/// Plays a [`CallerScript`] frame by frame.
pub(crate) struct ScriptPlayer {
    steps: Vec<Step>,
    index: usize,
    cursor: Cursor,
}

impl ScriptPlayer {
    pub(crate) fn new(script: CallerScript) -> Self {
        Self { steps: script.steps, index: 0, cursor: Cursor::default() }
    }

    /// Whether every step has run.
    pub(crate) fn finished(&self) -> bool {
        self.index >= self.steps.len()
    }

    /// The caller's next frame; `agent_playing` tells whether agent audio played in this frame.
    pub(crate) fn next_frame(&mut self, agent_playing: bool) -> CallerFrame {
        let mut frame = CallerFrame { dtmf: Vec::new(), pcm: [0; FRAME_SAMPLES], hangup: false, timed_out: Vec::new() };
        while let Some(step) = self.steps.get(self.index) {
            match play(step, &mut self.cursor, agent_playing, &mut frame) {
                Outcome::Sent => break,
                Outcome::Hangup => {
                    frame.hangup = true;
                    break;
                }
                Outcome::Done => {}
                Outcome::TimedOut => frame.timed_out.push(self.index),
            }
            self.index += 1;
            self.cursor = Cursor::default();
        }
        frame
    }
}

/// Runs `step` for one frame.
fn play(step: &Step, cursor: &mut Cursor, agent_playing: bool, frame: &mut CallerFrame) -> Outcome {
    match step {
        Step::Say(pcm) => say(pcm, cursor, frame),
        Step::Silence(duration) => spend(cursor, frames_in(*duration)),
        Step::Dtmf(digit) => {
            frame.dtmf.push(*digit);
            Outcome::Done
        }
        Step::WaitForAgentAudio { .. } if agent_playing => Outcome::Done,
        Step::WaitForAgentAudio { timeout } => wait(cursor, *timeout),
        Step::WaitForAgentSilence { quiet, timeout } => {
            cursor.quiet = if agent_playing { 0 } else { cursor.quiet + 1 };
            if cursor.quiet >= frames_in(*quiet) { Outcome::Done } else { wait(cursor, *timeout) }
        }
        Step::Hangup => Outcome::Hangup,
    }
}

fn say(pcm: &[i16], cursor: &mut Cursor, frame: &mut CallerFrame) -> Outcome {
    let chunk = pcm.get(cursor.progress..).unwrap_or_default();
    if chunk.is_empty() {
        return Outcome::Done;
    }
    let chunk = &chunk[..chunk.len().min(FRAME_SAMPLES)];
    frame.pcm[..chunk.len()].copy_from_slice(chunk);
    cursor.progress += chunk.len();
    Outcome::Sent
}

/// One more silent frame of a step lasting `frames`.
fn spend(cursor: &mut Cursor, frames: usize) -> Outcome {
    if cursor.progress >= frames {
        return Outcome::Done;
    }
    cursor.progress += 1;
    Outcome::Sent
}

/// One more silent frame of waiting, or the end of a wait that ran out of time.
fn wait(cursor: &mut Cursor, timeout: Duration) -> Outcome {
    match spend(cursor, frames_in(timeout)) {
        Outcome::Done => Outcome::TimedOut,
        other => other,
    }
}

/// Whole frames covering `duration`.
pub(crate) fn frames_in(duration: Duration) -> usize {
    usize::try_from(duration.as_micros().div_ceil(FRAME.as_micros())).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    /// Runs `frames` frames with agent audio playing in the frames `playing` says.
    fn run(script: CallerScript, frames: usize, playing: impl Fn(usize) -> bool) -> Vec<CallerFrame> {
        let mut player = ScriptPlayer::new(script);
        (0..frames).map(|n| player.next_frame(playing(n))).collect()
    }

    #[test]
    fn says_frame_by_frame_then_stays_silent() {
        let pcm: Vec<i16> = (0..400).map(|n| n as i16 + 1).collect();
        let frames = run(CallerScript::silent().say(pcm.clone()), 5, |_| false);
        let sent: Vec<i16> = frames.iter().flat_map(|f| f.pcm).collect();
        assert_eq!(&sent[..400], &pcm[..]);
        assert!(sent[400..].iter().all(|&s| s == 0));
        assert!(frames.iter().all(|f| !f.hangup && f.dtmf.is_empty()));
    }

    #[test]
    fn silence_rounds_up_to_frames_and_dtmf_takes_no_time() {
        let script = CallerScript::silent().silence(ms(30)).dtmf('5').dtmf('#').say(vec![7; 160]).hangup();
        let frames = run(script, 4, |_| false);
        assert!(frames[0].dtmf.is_empty() && frames[1].dtmf.is_empty());
        assert_eq!(frames[2].dtmf, ['5', '#']);
        assert_eq!(frames[2].pcm, [7; 160]);
        assert!(frames[3].hangup);
    }

    #[test]
    fn waits_for_agent_audio_then_for_it_to_stop() {
        let script = CallerScript::silent()
            .wait_for_agent_audio(ms(1000))
            .wait_for_agent_silence(ms(100), ms(1000))
            .say(vec![9; 160]);
        // Agent audio plays in frames 3..=6; five quiet frames (100 ms) after it end at frame 11.
        let frames = run(script, 13, |n| (3..=6).contains(&n));
        let spoke: Vec<usize> = (0..13).filter(|&n| frames[n].pcm[0] == 9).collect();
        assert_eq!(spoke, [11]);
        assert!(frames.iter().all(|f| f.timed_out.is_empty()));
    }

    #[test]
    fn waits_give_up_after_their_timeout() {
        let script = CallerScript::silent().wait_for_agent_audio(ms(100)).say(vec![9; 160]);
        let frames = run(script, 8, |_| false);
        let gave_up: Vec<usize> = (0..8).filter(|&n| !frames[n].timed_out.is_empty()).collect();
        assert_eq!(gave_up, [5]);
        assert_eq!(frames[5].timed_out, [0]);
        assert_eq!(frames[5].pcm[0], 9);
    }
}
