//! Text → phonemes, with the espeak-ng program (Debian package `espeak-ng`) run as a separate process.
//!
//! Piper voices are trained on espeak-ng's IPA: what `espeak_TextToPhonemes` returns clause by clause with
//! IPA mode and no separator, which is what `espeak-ng -q --ipa` prints, one clause per line. Piper then
//! appends each clause's punctuation (`espeak-ng` reports it to the library but does not print it), a space
//! after a `,` `:` `;`, drops `(en)`-style language-switch marks, decomposes to NFD, and starts a new
//! sentence after `.` `?` `!`. This module does the same: it finds the punctuation that ends each clause in
//! the text by espeak-ng's rules (a mark followed by a space; a `.` before a lower-case word ends nothing)
//! and pairs it with the printed lines.
//!
//! espeak-ng is GPL-3: it runs as a program, never linked, the way `agentline-speech`'s espeak voice runs it.

use crate::PiperError;
use std::io::ErrorKind;
use tokio::process::Command;
use unicode_normalization::UnicodeNormalization;

/// Phonemes of one sentence, punctuation included, ready for [`crate::ids::phoneme_ids`].
pub type SentencePhonemes = Vec<char>;

/// How espeak-ng ended a clause, which decides the punctuation phoneme Piper appends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClauseEnd {
    /// `,`
    Comma,
    /// `:`
    Colon,
    /// `;`, and `...` / `…` (espeak-ng treats an ellipsis as a semicolon)
    Semicolon,
    /// `.`
    Period,
    /// `?`
    Question,
    /// `!`
    Exclamation,
    /// The text ended without punctuation.
    None,
}

impl ClauseEnd {
    /// The phonemes Piper appends after the clause.
    fn phonemes(self) -> &'static [char] {
        match self {
            ClauseEnd::Comma => &[',', ' '],
            ClauseEnd::Colon => &[':', ' '],
            ClauseEnd::Semicolon => &[';', ' '],
            ClauseEnd::Period => &['.'],
            ClauseEnd::Question => &['?'],
            ClauseEnd::Exclamation => &['!'],
            ClauseEnd::None => &[],
        }
    }

    fn ends_sentence(self) -> bool {
        matches!(self, ClauseEnd::Period | ClauseEnd::Question | ClauseEnd::Exclamation | ClauseEnd::None)
    }

    /// The end a run of marks like `,` `?!` `...` makes.
    fn of_run(run: &str) -> ClauseEnd {
        if run.contains("..") || run.contains('…') {
            return ClauseEnd::Semicolon;
        }
        match run.chars().next() {
            Some(',') => ClauseEnd::Comma,
            Some(':') => ClauseEnd::Colon,
            Some(';') => ClauseEnd::Semicolon,
            Some('?') => ClauseEnd::Question,
            Some('!') => ClauseEnd::Exclamation,
            _ => ClauseEnd::Period,
        }
    }
}

/// Runs espeak-ng for one voice.
#[derive(Debug, Clone)]
pub struct Phonemizer {
    voice: String,
}

impl Phonemizer {
    /// A phonemizer for the espeak-ng voice `voice` (e.g. `en-us`, from the voice config).
    pub fn new(voice: impl Into<String>) -> Phonemizer {
        Phonemizer { voice: voice.into() }
    }

    /// The phonemes of `text`, one list per sentence; empty for text with nothing to say.
    pub async fn phonemize(&self, text: &str) -> Result<Vec<SentencePhonemes>, PiperError> {
        let text = one_line(text);
        if !text.chars().any(char::is_alphanumeric) {
            return Ok(Vec::new());
        }
        let printed = self.run(&text).await?;
        let lines: Vec<&str> = printed.lines().map(str::trim).filter(|line| !line.is_empty()).collect();
        Ok(sentences(&lines, &clause_ends(&text)))
    }

    /// The command line: IPA on stdout, no audio, and `--` so text starting with `-` is not an option.
    /// It runs under `nice` like the espeak voice: many calls phonemizing at once must not delay the 20 ms
    /// media frames of the calls already talking.
    fn command(&self, text: &str) -> Command {
        let mut command = Command::new("nice");
        command.args(["-n", "10", "espeak-ng", "-q", "--ipa", "-v", &self.voice, "--", text]);
        // Dropping the future (barge-in) kills the process.
        command.kill_on_drop(true);
        command
    }

    async fn run(&self, text: &str) -> Result<String, PiperError> {
        let output = self.command(text).output().await.map_err(|error| match error.kind() {
            ErrorKind::NotFound => PiperError::EspeakMissing,
            _ => PiperError::Espeak(format!("cannot run it: {error}")),
        })?;
        // `nice` answers 127 when it cannot find the program it was asked to run.
        if output.status.code() == Some(127) {
            return Err(PiperError::EspeakMissing);
        }
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(PiperError::Espeak(format!("{}: {}", output.status, stderr.trim())));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

/// Whitespace runs (newlines too) as single spaces: a blank line would otherwise end a clause that has no
/// punctuation to pair with.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Pairs espeak-ng's clause lines with the ends found in the text, grouped into sentences. When the counts
/// differ (espeak-ng split somewhere the rules here did not foresee), every clause but the last gets a comma
/// and the text's last end closes one sentence: the phonemes are still right, only a pause may differ.
pub fn sentences(lines: &[&str], ends: &[ClauseEnd]) -> Vec<SentencePhonemes> {
    let fallback;
    let ends = if ends.len() == lines.len() {
        ends
    } else {
        fallback = fallback_ends(lines.len(), ends.last().copied());
        &fallback[..]
    };
    let mut sentences = Vec::new();
    let mut current = Vec::new();
    for (line, end) in lines.iter().zip(ends) {
        current.extend(clause_phonemes(line));
        current.extend_from_slice(end.phonemes());
        if end.ends_sentence() {
            sentences.push(std::mem::take(&mut current));
        }
    }
    // Text that ends on a comma ("Good evening Sam,") is a sentence too, not nothing.
    if !current.is_empty() {
        sentences.push(current);
    }
    sentences
}

fn fallback_ends(clauses: usize, last: Option<ClauseEnd>) -> Vec<ClauseEnd> {
    let mut ends = vec![ClauseEnd::Comma; clauses.saturating_sub(1)];
    ends.push(last.filter(|end| end.ends_sentence()).unwrap_or(ClauseEnd::None));
    ends
}

/// One printed clause as Piper feeds it: NFD-decomposed codepoints, language-switch marks like `(fr)` removed.
fn clause_phonemes(line: &str) -> Vec<char> {
    let mut in_flag = false;
    let mut phonemes = Vec::with_capacity(line.len());
    for c in line.nfd() {
        match (in_flag, c) {
            (true, ')') => in_flag = false,
            (true, _) => {}
            (false, '(') => in_flag = true,
            (false, c) => phonemes.push(c),
        }
    }
    phonemes
}

const MARKS: &[char] = &[',', ':', ';', '.', '?', '!', '…'];
const CLOSERS: &[char] = &['"', '\'', ')', ']', '}', '”', '’', '»'];

/// The end of each clause espeak-ng will print for `text` (already [`one_line`]), in order.
pub fn clause_ends(text: &str) -> Vec<ClauseEnd> {
    let chars: Vec<char> = text.chars().collect();
    let mut ends = Vec::new();
    let mut has_words = false;
    let mut i = 0;
    while i < chars.len() {
        if !MARKS.contains(&chars[i]) {
            has_words |= chars[i].is_alphanumeric();
            i += 1;
            continue;
        }
        let run_end = skip(&chars, i, MARKS);
        let after = skip(&chars, run_end, CLOSERS);
        let run: String = chars[i..run_end].iter().collect();
        if has_words && ends_clause(&run, &chars[after..]) {
            ends.push(ClauseEnd::of_run(&run));
            has_words = false;
        }
        i = run_end;
    }
    if has_words {
        ends.push(ClauseEnd::None);
    }
    ends
}

/// The index of the first char at or after `from` that is not in `set`.
fn skip(chars: &[char], from: usize, set: &[char]) -> usize {
    chars[from..].iter().position(|c| !set.contains(c)).map_or(chars.len(), |offset| from + offset)
}

/// A run of marks ends a clause when a space or the end follows, except a lone `.` before a lower-case word
/// ("St. in", "U.S. today"), which espeak-ng reads as an abbreviation.
fn ends_clause(run: &str, rest: &[char]) -> bool {
    match rest {
        [] => true,
        [c, ..] if !c.is_whitespace() => false,
        [_, next, ..] if run == "." => !next.is_lowercase(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::ClauseEnd::*;
    use super::*;

    #[test]
    fn clause_ends_follow_espeak_ng() {
        let cases: &[(&str, &[ClauseEnd])] = &[
            ("Hello, world. How are you today?", &[Comma, Period, Question]),
            ("I'm fine; thanks: really!", &[Semicolon, Colon, Exclamation]),
            ("Call me at 7:30 tomorrow, please", &[Comma, None]),
            ("Dr. Smith lives on Main St. in the U.S. today.", &[Period, Period]),
            ("Wait... what?! Really.", &[Semicolon, Question, Period]),
            ("He said \"hi.\" Then left.", &[Period, Period]),
            ("Hello,world", &[None]),
            ("3.5 percent", &[None]),
            ("", &[]),
            ("...", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(clause_ends(text), *expected, "{text}");
        }
    }

    #[test]
    fn clauses_get_piper_punctuation_and_sentences_split() {
        let got = sentences(&["həlˈoʊ", "wˈɜːld", "hˈaʊ"], &[Comma, Period, Question]);
        let expected: Vec<Vec<char>> = vec!["həlˈoʊ, wˈɜːld.".chars().collect(), "hˈaʊ?".chars().collect()];
        assert_eq!(got, expected);
    }

    #[test]
    fn text_ending_on_a_comma_is_still_said() {
        let got = sentences(&["ɡˈʊd", "sˈæm"], &[Period, Comma]);
        assert_eq!(got, vec!["ɡˈʊd.".chars().collect::<Vec<_>>(), "sˈæm, ".chars().collect()]);
    }

    #[test]
    fn a_count_mismatch_falls_back_to_commas_in_one_sentence() {
        let got = sentences(&["a", "b", "c"], &[Period, Question]);
        assert_eq!(got, vec!["a, b, c?".chars().collect::<Vec<_>>()]);
        let got = sentences(&["a", "b"], &[]);
        assert_eq!(got, vec!["a, b".chars().collect::<Vec<_>>()]);
    }

    #[test]
    fn language_flags_go_and_letters_decompose() {
        assert_eq!(clause_phonemes("(fr)bɔ̃ʒˈuʁ(en) ok"), "bɔ̃ʒˈuʁ ok".nfd().collect::<Vec<_>>());
        assert_eq!(clause_phonemes("ç"), ['c', '\u{327}']);
    }

    #[test]
    fn text_is_passed_after_a_double_dash_under_nice() {
        let command = Phonemizer::new("en-us").command("-v is text");
        let args: Vec<_> = command.as_std().get_args().map(|arg| arg.to_string_lossy().into_owned()).collect();
        assert_eq!(command.as_std().get_program(), "nice");
        assert_eq!(args, ["-n", "10", "espeak-ng", "-q", "--ipa", "-v", "en-us", "--", "-v is text"]);
    }

    #[tokio::test]
    async fn espeak_ng_phonemizes_as_piper_expects() {
        let got = Phonemizer::new("en-us").phonemize("Hello, world. How are you?").await.unwrap();
        let got: Vec<String> = got.iter().map(|sentence| sentence.iter().collect()).collect();
        assert_eq!(got, ["həlˈoʊ, wˈɜːld.", "hˈaʊ ɑːɹ juː?"]);
    }

    #[tokio::test]
    async fn nothing_to_say_runs_nothing() {
        assert!(Phonemizer::new("en-us").phonemize(" ... \n").await.unwrap().is_empty());
    }
}
