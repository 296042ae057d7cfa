//! Text-to-speech with an offline neural voice: Piper `en_US-joe-medium` ([`agentline_piper`]), phonemized
//! by the espeak-ng program and run on the local ONNX Runtime. Nothing leaves the machine and nothing is paid
//! per character, like [`crate::Espeak`], but it sounds like a person.
//!
//! A sentence takes about a tenth of its length to synthesize on one core, so the text is split into sentences
//! and each is yielded, resampled from 22,050 Hz to 8 kHz, as soon as it is ready: first audio comes after the
//! first sentence only, and the rest is made while it plays. A long first sentence is cut after its first
//! clause ("Good evening Sam, | this is Riley from Demo Dental."), so the caller hears the agent after a
//! clause's synthesis, not a whole sentence's.

use crate::pcm_stream::silence;
use crate::{AudioStream, SpeechError, TELEPHONE_HZ, TextToSpeech};
use agentline_media::resample::Resampler;
use agentline_piper::{Piper, PiperError};
use std::collections::VecDeque;
use std::path::Path;

const PROVIDER: &str = "piper";

/// Silence after every sentence but the last, as Piper leaves between sentences.
const SENTENCE_PAUSE: usize = TELEPHONE_HZ as usize / 5;
/// Silence after a first clause synthesized on its own, as Piper leaves at a comma.
const CLAUSE_PAUSE: usize = TELEPHONE_HZ as usize / 12;
/// A first sentence is cut after its first clause only when both parts have at least this many words.
const CLAUSE_WORDS: usize = 3;

/// A Piper voice as a [`TextToSpeech`].
///
/// Construct it from an installation (`scripts/install-piper.sh`; the ONNX Runtime library comes from
/// `scripts/install-moonshine.sh`), once at start-up, since loading takes about a second of CPU:
///
/// ```no_run
/// # fn main() -> Result<(), agentline_speech::SpeechError> {
/// let voice = agentline_speech::PiperVoice::load(&agentline_piper::default_dir())?;
/// # Ok(()) }
/// ```
///
/// or wrap a [`Piper`] already loaded with [`agentline_piper::Options`] (threads, library path) using
/// [`PiperVoice::new`]. Clones share the model.
#[derive(Debug, Clone)]
pub struct PiperVoice {
    piper: Piper,
}

impl PiperVoice {
    /// Speaks with an already loaded voice.
    pub fn new(piper: Piper) -> PiperVoice {
        PiperVoice { piper }
    }

    /// Loads the voice installed in `dir` with default options (one thread per sentence). Blocks for about a
    /// second.
    pub fn load(dir: &Path) -> Result<PiperVoice, SpeechError> {
        Piper::load(dir).map(PiperVoice::new).map_err(speech_error)
    }

    /// One piece of text at 8 kHz, with `pause_after` samples of silence after it.
    async fn speak(&self, sentence: &str, pause_after: usize) -> Result<Vec<i16>, SpeechError> {
        let pcm = self.piper.synthesize(sentence).await.map_err(speech_error)?;
        let rate = self.piper.sample_rate();
        let mut resampler = Resampler::new(rate, TELEPHONE_HZ)
            .map_err(|error| SpeechError::protocol(PROVIDER, format!("cannot resample {rate} Hz: {error}")))?;
        let mut out = Vec::with_capacity(pcm.len() * TELEPHONE_HZ as usize / rate as usize + pause_after + 320);
        resampler.process(&pcm, &mut out);
        resampler.flush(&mut out);
        if !out.is_empty() {
            out.resize(out.len() + pause_after, 0);
        }
        Ok(out)
    }
}

/// Loading problems mean the engine cannot be used; failures while speaking are the engine's.
fn speech_error(error: PiperError) -> SpeechError {
    match error {
        PiperError::Espeak(_) | PiperError::Synthesis(_) => SpeechError::protocol(PROVIDER, error.to_string()),
        _ => SpeechError::Unavailable(error.to_string()),
    }
}

#[async_trait::async_trait]
impl TextToSpeech for PiperVoice {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    async fn synthesize(&self, text: &str) -> Result<AudioStream, SpeechError> {
        let mut pieces = pieces(text);
        let mut first = Vec::new();
        // Sentences with nothing to say (a stray "...") yield no audio; the stream starts with the first that does.
        while first.is_empty() {
            let Some((piece, pause)) = pieces.pop_front() else { return Ok(silence()) };
            first = self.speak(&piece, pause).await?;
        }
        let rest = futures_util::stream::unfold((self.clone(), pieces), next_sentence);
        Ok(Box::pin(futures_util::StreamExt::chain(futures_util::stream::iter([Ok(first)]), rest)))
    }
}

/// The next sentence's audio for the stream; after an error the stream ends.
async fn next_sentence(
    (voice, mut pieces): (PiperVoice, Pieces),
) -> Option<(Result<Vec<i16>, SpeechError>, (PiperVoice, Pieces))> {
    loop {
        let (piece, pause) = pieces.pop_front()?;
        match voice.speak(&piece, pause).await {
            Ok(pcm) if pcm.is_empty() => continue,
            Ok(pcm) => return Some((Ok(pcm), (voice, pieces))),
            Err(error) => return Some((Err(error), (voice, VecDeque::new()))),
        }
    }
}

/// Texts to synthesize one by one, each with the silence (samples) that follows it.
type Pieces = VecDeque<(String, usize)>;

/// The text's sentences, the first cut after its first clause when long enough; a pause follows every
/// piece but the last.
fn pieces(text: &str) -> Pieces {
    let mut sentences = split_sentences(text).into_iter();
    let mut pieces = Pieces::new();
    if let Some(first) = sentences.next() {
        match first_clause(&first) {
            Some((clause, rest)) => {
                pieces.extend([(clause.to_owned(), CLAUSE_PAUSE), (rest.to_owned(), SENTENCE_PAUSE)])
            }
            None => pieces.push_back((first, SENTENCE_PAUSE)),
        }
    }
    pieces.extend(sentences.map(|sentence| (sentence, SENTENCE_PAUSE)));
    if let Some(last) = pieces.back_mut() {
        last.1 = 0;
    }
    pieces
}

/// `sentence` cut after its first comma, semicolon or colon, when both sides have [`CLAUSE_WORDS`] words
/// or more ("Good evening Sam," + "this is Riley from Demo Dental.").
fn first_clause(sentence: &str) -> Option<(&str, &str)> {
    let long_enough = |text: &str| text.split_whitespace().count() >= CLAUSE_WORDS;
    let (clause, rest) = sentence.match_indices([',', ';', ':']).find_map(|(at, mark)| {
        let (clause, rest) = sentence.split_at(at + mark.len());
        // A mark inside a number ("1,500") is not a clause end.
        (long_enough(clause) && rest.starts_with(' ')).then_some((clause, rest.trim_start()))
    })?;
    long_enough(rest).then_some((clause, rest))
}

/// Splits `text` after each `.` `?` `!` or `…` that a space or the end follows, except a lone `.` before a
/// lower-case word ("St. in", "e.g. this"); blank pieces are dropped.
fn split_sentences(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut sentences = Vec::new();
    let mut start = 0;
    for i in 0..chars.len() {
        if is_sentence_end(&chars, i) {
            push_trimmed(&mut sentences, &chars[start..=i]);
            start = i + 1;
        }
    }
    push_trimmed(&mut sentences, &chars[start..]);
    sentences
}

/// Whether the mark at `i` ends a sentence: the last of a run of marks (and closing quotes), followed by
/// whitespace or the end.
fn is_sentence_end(chars: &[char], i: usize) -> bool {
    const ENDS: &[char] = &['.', '?', '!', '…'];
    const TRAILING: &[char] = &['.', '?', '!', '…', '"', '\'', ')', '”', '’'];
    if !TRAILING.contains(&chars[i]) || chars.get(i + 1).is_some_and(|c| !c.is_whitespace()) {
        return false;
    }
    let run_start = chars[..i].iter().rposition(|c| !TRAILING.contains(c)).map_or(0, |p| p + 1);
    let run = &chars[run_start..=i];
    if !run.iter().any(|c| ENDS.contains(c)) {
        return false;
    }
    let lone_period = run == ['.'];
    let next_word = chars[i + 1..].iter().find(|c| !c.is_whitespace());
    !(lone_period && next_word.is_some_and(|c| c.is_lowercase()))
}

fn push_trimmed(sentences: &mut Vec<String>, chars: &[char]) {
    let sentence: String = chars.iter().collect::<String>().trim().to_owned();
    if !sentence.is_empty() {
        sentences.push(sentence);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_after_sentence_ends() {
        let cases: &[(&str, &[&str])] = &[
            ("Hello there. How are you? Fine!", &["Hello there.", "How are you?", "Fine!"]),
            ("Dr. Smith lives on Main St. in town.", &["Dr.", "Smith lives on Main St. in town."]),
            ("He said \"hi.\" Then left…", &["He said \"hi.\"", "Then left…"]),
            ("Wait... what?! Really", &["Wait...", "what?!", "Really"]),
            ("It costs $3.50, e.g. a coffee.", &["It costs $3.50, e.g. a coffee."]),
            ("No end", &["No end"]),
            ("  \n ", &[]),
            ("Line one.\nLine two.", &["Line one.", "Line two."]),
        ];
        for (text, expected) in cases {
            assert_eq!(split_sentences(text), *expected, "{text}");
        }
    }

    #[test]
    fn a_long_first_sentence_is_cut_after_its_first_clause() {
        let texts: Vec<String> = pieces("Good evening Sam, this is Riley from Demo Dental. Do you have a minute?")
            .into_iter()
            .map(|p| p.0)
            .collect();
        assert_eq!(texts, ["Good evening Sam,", "this is Riley from Demo Dental.", "Do you have a minute?"]);
        let pauses: Vec<usize> = pieces("Good evening Sam, this is Riley. Fine.").into_iter().map(|p| p.1).collect();
        assert_eq!(pauses, [CLAUSE_PAUSE, SENTENCE_PAUSE, 0]);
        assert_eq!(first_clause("Yes, I have a minute."), None, "one word before the comma");
        assert_eq!(first_clause("Thank you so much, Sam."), None, "one word after it");
        assert_eq!(first_clause("No commas here at all."), None);
        assert_eq!(first_clause("It costs 1,500 dollars a month."), None, "a comma inside a number");
        assert_eq!(first_clause("Well then, if you insist, fine."), None, "the first long clause leaves one word");
    }

    #[test]
    fn loading_problems_make_the_engine_unavailable() {
        let error = speech_error(PiperError::EspeakMissing);
        assert!(matches!(error, SpeechError::Unavailable(message) if message.contains("espeak-ng")));
        let error = speech_error(PiperError::Synthesis("boom".into()));
        assert!(matches!(error, SpeechError::Protocol { provider: "piper", .. }));
    }

    #[test]
    fn a_missing_installation_is_unavailable() {
        let dir = std::env::temp_dir().join("agentline-speech-no-piper-here");
        let error = PiperVoice::load(&dir).expect_err("nothing installed there");
        assert!(matches!(&error, SpeechError::Unavailable(message) if message.contains("install-piper.sh")), "{error}");
    }
}
