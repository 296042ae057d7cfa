//! The conversation on an answered call: caller audio in 20 ms frames → voice activity →
//! turn-taking (`agentline_conversation::turn`) → speech-to-text → the agent's brain → TTS →
//! paced playout, with barge-in. This is the thin async driver; every decision about turns
//! and time is made by the sans-IO state machines it feeds.

mod listening;
mod machine;
mod orders;
mod record;
mod reply;
mod speaking;

use crate::context::CallContext;
use crate::leg::CallCommand;
use crate::media::{FRAME, MediaControl, MediaLink, Tick};
use agentline_brains::{Action, Brain, Message, Role};
use agentline_conversation::amd::AnsweredBy;
use agentline_conversation::latency::TurnLatency;
use agentline_conversation::turn::{self, TurnConfig, TurnTaker};
use agentline_conversation::vad::VoiceDetector;
use agentline_domain::call::EndReason;
use agentline_speech::{SpeechError, SpeechToText, TextToSpeech};
use agentline_store::calls::Call;
use listening::{Draft, Ending, Heard, Hearing};
use machine::{MachineStep, MachineWatch};
pub(crate) use orders::ConversationOrder;
use reply::ReplyEvent;
use speaking::{Purpose, Speaking, Timing};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Audio kept from before the caller was known to speak, so the recogniser hears their first
/// syllable and some quiet before it (recognisers do worse on speech cut at its first sample).
const PREROLL_FRAMES: usize = 25;
/// Frames of that audio from before the speech began.
const LEAD_IN_FRAMES: usize = 15;

/// Starts the conversation of an answered call; it ends when the call's media does, or when
/// the supervisor orders it to leave.
pub(crate) fn start(
    ctx: CallContext,
    call: Call,
    link: MediaLink,
    orders: mpsc::Receiver<ConversationOrder>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let MediaLink { control, ticks } = link;
        let conversation = Conversation::new(ctx, call, control).await;
        conversation.run(ticks, orders).await;
    })
}

/// Both ends of a channel the conversation sends to itself from its tasks.
type Channel<T> = (mpsc::UnboundedSender<T>, mpsc::UnboundedReceiver<T>);

/// A caller turn that ended and waits for its transcript.
struct PendingTurn {
    number: u64,
    speech_start: Duration,
    speech_end: Duration,
    speech_end_at: Instant,
    decided: Instant,
}

struct Conversation {
    ctx: CallContext,
    call: Call,
    control: MediaControl,
    turns: TurnTaker,
    vad: VoiceDetector,
    /// The call's clock: the last slot's offset in the recording (transcript times use it, so
    /// they line up with the recording exactly).
    clock: Duration,
    preroll: VecDeque<[i16; FRAME]>,
    brain: Box<dyn Brain>,
    tts: Arc<dyn TextToSpeech>,
    stt: Result<Arc<dyn SpeechToText>, String>,
    hearing: Option<Hearing>,
    pending: Option<PendingTurn>,
    transcripts: HashMap<u64, Result<String, SpeechError>>,
    speaking: Option<Speaking>,
    utterances: u64,
    replies: u64,
    next_audio_id: u64,
    greeted: bool,
    /// The media stopped: record what is left, start nothing.
    closing: bool,
    history: Vec<Message>,
    seq: i64,
    latencies: Vec<TurnLatency>,
    results: Channel<Heard>,
    drafts: Channel<Draft>,
    /// The voice preparing the fixed phrases; stopped when the call ends.
    preparing: JoinHandle<()>,
    /// Who answered (outbound calls), until it is known and nothing more is to be done about it.
    machine: Option<MachineWatch>,
    /// The greeting waits for the machine detector's decision.
    greeting_held: bool,
    /// A transfer is under way: the caller is on hold and gets no answers.
    held: bool,
    reply_events: Channel<(u64, ReplyEvent)>,
}

impl Conversation {
    async fn new(ctx: CallContext, call: Call, control: MediaControl) -> Self {
        let settings = &ctx.settings().speech;
        let agent = record::agent_of(&ctx, &call).await;
        let speech = agent.as_ref().map(|agent| agent.speech.clone()).unwrap_or_default();
        // The first call loads the local models (a second of disk and CPU): off the reactor, or
        // every other call's media would stall meanwhile.
        let (speech_settings, voice) = (settings.clone(), call.voice.clone());
        let keys = crate::vendor_keys::AccountKeys::load(&ctx, &call.account_id).await;
        let engines = tokio::task::spawn_blocking(move || {
            crate::voices::engines(&speech_settings, &speech, &keys, voice.as_deref())
        });
        let crate::voices::Engines { stt, tts, notes } = engines.await.unwrap_or_else(crate::voices::Engines::failed);
        let brain = record::brain_for(&ctx, &call, agent.map(|agent| agent.brain)).await;
        for note in &notes {
            record::note(&ctx, &call, "speech_fallback", note).await;
        }
        if let Err(why) = &stt {
            record::note(&ctx, &call, "stt_unavailable", why).await;
        }
        let drafts = stt.as_ref().is_ok_and(|stt| stt.drafts_are_cheap());
        let mut config = turn_config(&ctx.settings().conversation, drafts);
        if call.direction == agentline_domain::Direction::Inbound {
            // The caller rang us: they expect to be greeted, not to say "Hello?" first.
            config.answer_grace = Duration::ZERO;
        }
        let turns = TurnTaker::new(config, Duration::ZERO);
        let preparing = prepare_phrases(&tts, fixed_phrases(&ctx, &call, brain.as_ref()));
        let outbound = call.direction == agentline_domain::Direction::Outbound;
        let machine = outbound.then(|| MachineWatch::new(call.voicemail.clone()));
        Self {
            ctx,
            call,
            control,
            turns,
            vad: VoiceDetector::default(),
            clock: Duration::ZERO,
            preroll: VecDeque::with_capacity(PREROLL_FRAMES),
            brain,
            tts,
            stt,
            hearing: None,
            pending: None,
            transcripts: HashMap::new(),
            speaking: None,
            utterances: 0,
            replies: 0,
            next_audio_id: 1,
            greeted: false,
            closing: false,
            history: Vec::new(),
            seq: 0,
            latencies: Vec::new(),
            results: mpsc::unbounded_channel(),
            drafts: mpsc::unbounded_channel(),
            preparing,
            machine,
            greeting_held: false,
            held: false,
            reply_events: mpsc::unbounded_channel(),
        }
    }

    async fn run(mut self, mut ticks: mpsc::Receiver<Tick>, mut orders: mpsc::Receiver<ConversationOrder>) {
        let mut goodbye = Some(self.goodbye_time());
        let leave = loop {
            tokio::select! {
                tick = ticks.recv() => match tick {
                    Some(tick) => self.on_tick(tick).await,
                    None => break None,
                },
                Some(order) = orders.recv() => match order {
                    ConversationOrder::Leave(reply) => break Some(reply),
                    order => self.on_order(order),
                },
                Some((number, event)) = self.reply_events.1.recv() => self.on_reply_event(number, event).await,
                Some((number, text)) = self.results.1.recv() => {
                    self.transcripts.insert(number, text);
                    self.take_transcript().await;
                }
                Some((number, speech_end, text)) = self.drafts.1.recv() => self.on_draft(number, speech_end, text).await,
                () = tokio::time::sleep_until(goodbye.unwrap_or_else(Instant::now)), if goodbye.is_some() => {
                    goodbye = None;
                    self.say_goodbye();
                }
            }
        };
        if let Some(reply) = leave {
            // What the agent was still saying stops: the caller hears the target next.
            drop(self.control.flush());
            let _ = reply.send(MediaLink { control: self.control.clone(), ticks });
        }
        self.wind_up().await;
    }

    async fn on_tick(&mut self, tick: Tick) {
        self.clock = tick.offset();
        let now = self.clock;
        let speech = self.vad.is_speech(&tick.heard);
        if let Some(watch) = &mut self.machine {
            let steps = watch.frame(now, &tick.heard, speech);
            self.on_machine(steps, tick.at).await;
        }
        if let Some(hearing) = &mut self.hearing {
            hearing.push(tick.heard);
        }
        if self.preroll.len() == PREROLL_FRAMES {
            self.preroll.pop_front();
        }
        self.preroll.push_back(tick.heard);
        self.note_playout(&tick).await;
        for action in self.turns.tick(now, speech, tick.sent_audio) {
            self.act(action, &tick).await;
        }
    }

    /// Follows the reply's audio out: its first frame (latency), finished utterances, completion.
    async fn note_playout(&mut self, tick: &Tick) {
        let Some(speaking) = &mut self.speaking else { return };
        if tick.started.is_some() && speaking.first_frame.is_none() {
            speaking.first_frame = Some(self.clock);
            if let Some(timing) = speaking.timing {
                self.latencies.push(timing.latency(tick.at));
                record::latency(&self.ctx, &self.call, &self.latencies).await;
            }
        }
        speaking.played(&tick.finished);
        if speaking.complete() {
            self.finish_reply(false).await;
        }
    }

    async fn act(&mut self, action: turn::Action, tick: &Tick) {
        use turn::Action as A;
        match action {
            A::UtteranceStarted { at } => self.open_hearing(at),
            A::Pause { speech_end } => {
                if let Some(hearing) = &mut self.hearing {
                    hearing.draft(speech_end);
                }
            }
            A::UtteranceDiscarded => {
                if let Some(hearing) = self.hearing.take() {
                    hearing.discard();
                }
            }
            A::TurnEnded { speech_start, speech_end, decided } => {
                self.end_turn(speech_start, speech_end, decided, tick.at).await;
            }
            A::Greet => self.greet(),
            A::BargeIn { .. } => self.barge_in(tick.at).await,
            A::ReplyStalled => {
                record::note(&self.ctx, &self.call, "reply_stalled", "the reply produced no audio in time").await;
                self.cancel_reply(tick.at).await;
            }
            A::Remind if self.machine_answered() || self.held => {}
            A::HangUpSilence if self.held => {}
            A::Remind => {
                let phrase = self.ctx.settings().conversation.reminder_phrase.clone();
                self.speak(Purpose::Reminder, reply::phrase(&phrase), None);
            }
            A::HangUpSilence => {
                let detail = "the caller stayed silent".to_owned();
                self.ctx.command(CallCommand::Hangup(EndReason::SilenceTimeout, detail)).await;
            }
        }
    }

    fn open_hearing(&mut self, at: Duration) {
        let Ok(stt) = &self.stt else { return };
        let back = (self.clock.saturating_sub(at).as_millis() / 20) as usize + 1 + LEAD_IN_FRAMES;
        let preroll = self.preroll.iter().rev().take(back).rev().copied().collect();
        self.utterances += 1;
        let (results, drafts) = (self.results.0.clone(), self.drafts.0.clone());
        self.hearing = Some(Hearing::open(self.utterances, Arc::clone(stt), preroll, results, drafts));
    }

    /// A draft of the open utterance tells the turn-taker whether the caller finished a sentence;
    /// one the ended turn waits for is its transcript.
    async fn on_draft(&mut self, number: u64, speech_end: Duration, text: Result<String, SpeechError>) {
        self.tell_machine_watch(text.as_deref().unwrap_or_default()).await;
        if let Some(pending) = self.pending.as_ref().filter(|p| p.number == number && p.speech_end == speech_end) {
            self.transcripts.insert(pending.number, text);
            return self.take_transcript().await;
        }
        let Some(hearing) = self.hearing.as_mut().filter(|h| h.number == number) else { return };
        let finished = text.as_ref().is_ok_and(|text| agentline_conversation::endpoint::finished_sentence(text));
        hearing.drafted(speech_end, text);
        self.turns.draft_heard(speech_end, finished);
    }

    async fn end_turn(&mut self, speech_start: Duration, speech_end: Duration, decided: Duration, at: Instant) {
        let Some(hearing) = self.hearing.take() else {
            // Nothing can be transcribed: answer as if the caller said nothing recognisable.
            return self.reply_to_turn(None).await;
        };
        // The callee's "Hello?" needs no transcript to be answered with the greeting; without a
        // greeting, their first words are a turn like any other.
        if !self.greeted {
            if self.has_greeting() {
                self.greet();
            } else {
                self.greeted = true;
            }
        }
        let speech_end_at = at - decided.saturating_sub(speech_end);
        let number = hearing.number;
        self.pending = Some(PendingTurn { number, speech_start, speech_end, speech_end_at, decided: at });
        if let Ending::Drafted(text) = hearing.finish(speech_end) {
            self.transcripts.insert(number, text);
        }
        self.take_transcript().await;
    }

    /// Stores the pending turn once its transcript is in, and answers it.
    async fn take_transcript(&mut self) {
        let Some(number) = self.pending.as_ref().map(|p| p.number) else { return };
        let Some(result) = self.transcripts.remove(&number) else { return };
        let Some(turn) = self.pending.take() else { return };
        let text = match result {
            Ok(text) => text,
            Err(err) => {
                record::note(&self.ctx, &self.call, "stt_failed", &err.to_string()).await;
                String::new()
            }
        };
        let (start, end) = (turn.speech_start, turn.speech_end);
        self.append_turn(Role::Caller, &text, start..end, false).await;
        self.tell_machine_watch(&text).await;
        let timing = Timing {
            speech_end: turn.speech_end_at,
            decided: turn.decided,
            transcribed: Instant::now(),
            first_sentence: None,
            first_audio: None,
        };
        self.reply_to_turn(Some(timing)).await;
    }

    /// Answers the caller's turn — unless they spoke again meanwhile (the turn-taker is no
    /// longer waiting for a reply), or the greeting is still owed.
    async fn reply_to_turn(&mut self, timing: Option<Timing>) {
        if self.closing || self.held || !self.turns.replying() || self.speaking.is_some() || self.machine_answered() {
            return;
        }
        if !self.greeted {
            return self.greet();
        }
        let source = self.brain.reply(&self.history);
        self.speak(Purpose::Answer, source, timing);
    }

    fn has_greeting(&self) -> bool {
        self.call.first_message.as_deref().is_some_and(|m| !m.trim().is_empty())
    }

    fn greet(&mut self) {
        if self.machine_answered() {
            return;
        }
        if self.machine.as_ref().is_some_and(MachineWatch::holds_the_greeting) {
            // Said once the detector knows a person answered; the turn-taker's watchdog allows it 8 s.
            self.greeting_held = true;
            return;
        }
        self.greeted = true;
        match self.call.first_message.clone().filter(|m| !m.trim().is_empty()) {
            Some(text) => self.speak(Purpose::Greeting, reply::phrase(&text), None),
            None => self.turns.reply_played(self.clock),
        }
    }

    fn speak(&mut self, purpose: Purpose, source: agentline_brains::BrainStream, timing: Option<Timing>) {
        if let Some(old) = self.speaking.take() {
            old.task.abort();
        }
        self.replies += 1;
        let first_id = self.next_audio_id;
        // Ids of one reply stay below the next reply's: a reply has far fewer than 10,000 sentences.
        self.next_audio_id += 10_000;
        let task = reply::spawn(
            self.replies,
            source,
            Arc::clone(&self.tts),
            self.control.clone(),
            first_id,
            self.reply_events.0.clone(),
        );
        self.speaking = Some(Speaking::new(self.replies, purpose, task, timing));
        self.turns.reply_started(self.clock);
    }

    async fn on_reply_event(&mut self, number: u64, event: ReplyEvent) {
        let Some(speaking) = self.speaking.as_mut().filter(|s| s.number == number) else { return };
        speaking.note(&event);
        match event {
            ReplyEvent::Act(Action::EndCall) => speaking.end_call = true,
            ReplyEvent::Act(Action::SendDtmf { digits }) => {
                self.ctx.command(CallCommand::SendDtmf(digits)).await;
            }
            ReplyEvent::Act(Action::Transfer { to }) => self.transfer_to(&to).await,
            ReplyEvent::Note { kind, detail } => record::note(&self.ctx, &self.call, kind, &detail).await,
            ReplyEvent::Done => {
                if speaking.complete() {
                    self.finish_reply(false).await;
                }
            }
            ReplyEvent::Sentence { .. } | ReplyEvent::Audio { .. } => {}
        }
    }

    /// The caller talks over the agent: stop its audio at once, cancel the reply, and keep in
    /// the transcript only what the caller heard.
    async fn barge_in(&mut self, detected: Instant) {
        let Some(speaking) = &self.speaking else { return };
        let was_audible = speaking.first_frame.is_some();
        let flushed_in = self.cancel_reply(detected).await;
        if was_audible {
            let detail =
                serde_json::json!({ "kind": "barge_in", "playout_stopped_ms": flushed_in.as_secs_f64() * 1000.0 });
            record::event(&self.ctx, &self.call, detail).await;
        }
    }

    /// Flushes the playout and cancels the reply; returns how long after `since` the flush took effect.
    async fn cancel_reply(&mut self, since: Instant) -> Duration {
        let flushed = self.control.flush().await.unwrap_or_default();
        let took = since.elapsed();
        if let Some(speaking) = &mut self.speaking {
            speaking.task.abort();
            speaking.played(&flushed);
            speaking.done = true;
        }
        self.finish_reply(true).await;
        took
    }

    /// Writes the agent's turn and hands the floor back (or hangs up after a goodbye).
    async fn finish_reply(&mut self, interrupted: bool) {
        let Some(speaking) = self.speaking.take() else { return };
        let text = if interrupted { speaking.heard() } else { speaking.text() };
        let start = speaking.first_frame.unwrap_or(self.clock);
        if !speaking.text().is_empty() {
            self.append_turn(Role::Agent, &text, start..self.clock, interrupted).await;
        }
        if !interrupted {
            self.turns.reply_played(self.clock);
        }
        if speaking.purpose == Purpose::Voicemail && !interrupted {
            let detail = "left a message on the answering machine".to_owned();
            self.ctx.command(CallCommand::Hangup(EndReason::Voicemail, detail)).await;
        } else if speaking.end_call || speaking.purpose == Purpose::Goodbye && !interrupted {
            let detail = "the agent ended the call".to_owned();
            self.ctx.command(CallCommand::Hangup(EndReason::AgentHangup, detail)).await;
        }
    }

    /// Whether an answering machine answered and the agent's voicemail setting deals with it:
    /// nothing but the message is said.
    fn machine_answered(&self) -> bool {
        self.machine.as_ref().is_some_and(MachineWatch::handling_a_machine)
    }

    /// Gives the machine detector what the recogniser heard of the callee.
    async fn tell_machine_watch(&mut self, text: &str) {
        if let Some(watch) = &mut self.machine {
            let steps = watch.heard(self.clock, text);
            self.on_machine(steps, Instant::now()).await;
        }
    }

    /// Carries out what the machine detector decided.
    async fn on_machine(&mut self, steps: Vec<MachineStep>, at: Instant) {
        for step in steps {
            match step {
                MachineStep::Decided { answered_by, at: after, reason } => {
                    record::answered_by(&self.ctx, &self.call, answered_by, after, reason).await;
                    if std::mem::take(&mut self.greeting_held) && answered_by != AnsweredBy::Machine {
                        self.greet();
                    }
                }
                MachineStep::HangUp => {
                    self.cancel_reply(at).await;
                    let detail = "an answering machine answered".to_owned();
                    self.ctx.command(CallCommand::Hangup(EndReason::Voicemail, detail)).await;
                }
                MachineStep::Hush => {
                    self.cancel_reply(at).await;
                    self.turns.reply_played(self.clock);
                }
                MachineStep::LeaveMessage(message) => self.speak(Purpose::Voicemail, reply::phrase(&message), None),
            }
        }
        if self.machine.as_ref().is_some_and(MachineWatch::done) {
            self.machine = None;
        }
    }

    async fn append_turn(&mut self, role: Role, text: &str, span: std::ops::Range<Duration>, interrupted: bool) {
        let seq = self.seq;
        self.seq += 1;
        record::turn(&self.ctx, &self.call, seq, role, text, span, interrupted).await;
        // An empty caller turn stays in the history: the brain should hear that nothing was understood.
        if role == Role::Caller || !text.is_empty() {
            self.history.push(Message { role, text: text.to_owned() });
        }
    }

    /// A few seconds before max_duration (counted from now, the answer), so the goodbye is
    /// heard before the line drops.
    fn goodbye_time(&self) -> Instant {
        let max = Duration::from_secs(u64::try_from(self.call.max_duration_secs).unwrap_or(0));
        Instant::now() + max.saturating_sub(Duration::from_secs(5)).max(Duration::from_secs(1))
    }

    fn say_goodbye(&mut self) {
        if let Some(speaking) = self.speaking.take() {
            speaking.task.abort();
            drop(self.control.flush());
        }
        let phrase = self.ctx.settings().conversation.goodbye_phrase.clone();
        self.speak(Purpose::Goodbye, reply::phrase(&phrase), None);
    }

    /// The media stopped: record what the agent was saying and what the caller last said.
    async fn wind_up(&mut self) {
        self.closing = true;
        self.preparing.abort();
        if let Some(hearing) = self.hearing.take() {
            hearing.discard();
        }
        if let Some(speaking) = &mut self.speaking {
            speaking.task.abort();
            speaking.done = true;
            self.finish_reply(true).await;
        }
        if self.pending.is_some() {
            let last_words = async {
                tokio::select! {
                    Some((number, text)) = self.results.1.recv() => (number, text),
                    Some((number, _, text)) = self.drafts.1.recv() => (number, text),
                }
            };
            if let Ok((number, text)) = tokio::time::timeout(Duration::from_secs(2), last_words).await {
                self.transcripts.insert(number, text);
                self.take_transcript().await;
            }
        }
    }
}

/// What the agent may say word for word, the greeting first (it is said first).
fn fixed_phrases(ctx: &CallContext, call: &Call, brain: &dyn Brain) -> Vec<String> {
    let turns = &ctx.settings().conversation;
    let greeting = call.first_message.iter().filter(|m| !m.trim().is_empty()).cloned();
    let phrases =
        greeting.chain(brain.fixed_phrases()).chain([turns.reminder_phrase.clone(), turns.goodbye_phrase.clone()]);
    phrases.collect()
}

/// Has the voice prepare `phrases` one after the other in the background (a voice that keeps
/// none does nothing), so the first time each is said it starts at once.
fn prepare_phrases(tts: &Arc<dyn TextToSpeech>, phrases: Vec<String>) -> JoinHandle<()> {
    let tts = Arc::clone(tts);
    tokio::spawn(async move {
        for phrase in phrases {
            tts.prepare(&phrase).await;
        }
    })
}

/// The turn-taker's settings; drafts only with a recogniser that makes them cheaply.
fn turn_config(settings: &crate::settings::ConversationSettings, drafts: bool) -> TurnConfig {
    let secs = |s: u64| (s > 0).then(|| Duration::from_secs(s));
    let draft_after = (drafts && settings.draft_after_ms > 0).then(|| Duration::from_millis(settings.draft_after_ms));
    TurnConfig {
        draft_after,
        finished_silence: Duration::from_millis(settings.finished_silence_ms),
        endpoint_silence: Duration::from_millis(settings.endpoint_silence_ms),
        barge_in_speech: Duration::from_millis(settings.barge_in_ms),
        answer_grace: Duration::from_millis(settings.answer_grace_ms),
        reminder_after: secs(settings.reminder_after_secs),
        hangup_after: secs(settings.hangup_after_secs),
        ..TurnConfig::default()
    }
}
