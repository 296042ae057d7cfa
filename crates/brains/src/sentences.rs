//! An incremental sentence splitter, so speech can start on the first sentence of a reply that is still streaming.
//!
//! Pure: text goes in as it arrives ([`SentenceSplitter::push`]) and complete sentences come out; the rest comes
//! out at [`SentenceSplitter::finish`]. A sentence ends at `.`, `!`, `?` or `…` (runs such as `?!` or `...`,
//! and closing quotes or brackets, stay with it) when whitespace follows; a full stop after a common
//! abbreviation (`Mr.`, `e.g.`, `p.m.`) or an initial does not end one, and neither does one inside a number (`3.5`),
//! because a character other than whitespace follows it. A newline always ends a sentence. A run longer than
//! [`MAX_CHARS`] with no end is cut at its last comma, else its last space. Pieces are trimmed; empty ones are
//! never returned.

/// The longest piece returned without a sentence end.
pub const MAX_CHARS: usize = 200;

/// Words after which a full stop does not end a sentence (lowercase, without the final stop).
const ABBREVIATIONS: [&str; 14] =
    ["mr", "mrs", "ms", "dr", "st", "prof", "sr", "jr", "vs", "etc", "e.g", "i.e", "a.m", "p.m"];

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…')
}

fn is_closer(c: char) -> bool {
    matches!(c, '"' | '\'' | ')' | ']' | '”' | '’' | '»')
}

/// Splits streamed text into sentences.
#[derive(Debug, Default)]
pub struct SentenceSplitter {
    buffer: String,
}

impl SentenceSplitter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds text and returns the sentences it completed, in order.
    pub fn push(&mut self, text: &str) -> Vec<String> {
        self.buffer.push_str(text);
        let mut sentences = Vec::new();
        while let Some(end) = self.next_cut() {
            let rest = self.buffer.split_off(end);
            let piece = std::mem::replace(&mut self.buffer, rest);
            let piece = piece.trim();
            if !piece.is_empty() {
                sentences.push(piece.to_owned());
            }
        }
        sentences
    }

    /// The text not yet returned (the reply ended), trimmed; `None` when there is none.
    pub fn finish(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.buffer);
        let rest = rest.trim();
        (!rest.is_empty()).then(|| rest.to_owned())
    }

    /// The byte offset where the next complete piece ends, if one is complete.
    fn next_cut(&self) -> Option<usize> {
        self.sentence_end().or_else(|| self.long_run_cut())
    }

    fn sentence_end(&self) -> Option<usize> {
        let chars: Vec<(usize, char)> = self.buffer.char_indices().collect();
        let mut i = 0;
        while i < chars.len() {
            let (at, c) = chars[i];
            if c == '\n' {
                return Some(at + 1);
            }
            if !is_terminator(c) {
                i += 1;
                continue;
            }
            let mut last = i;
            while last + 1 < chars.len() && is_terminator(chars[last + 1].1) {
                last += 1;
            }
            while last + 1 < chars.len() && is_closer(chars[last + 1].1) {
                last += 1;
            }
            // Undecided until the next character arrives: it may be a digit (3.5) or more of the run.
            let (next_at, next) = *chars.get(last + 1)?;
            let lone_stop = c == '.' && (last == i || !is_terminator(chars[i + 1].1));
            if next.is_whitespace() && !(lone_stop && ends_with_abbreviation(&self.buffer[..at])) {
                return Some(next_at);
            }
            i = last + 1;
        }
        None
    }

    /// Where to cut a run longer than [`MAX_CHARS`] that has no sentence end.
    fn long_run_cut(&self) -> Option<usize> {
        let (limit, _) = self.buffer.char_indices().nth(MAX_CHARS)?;
        let head = &self.buffer[..limit];
        if let Some(comma) = head.rfind(',') {
            return Some(comma + 1);
        }
        match head.rfind(char::is_whitespace) {
            Some(space) if !head[..space].trim().is_empty() => Some(space),
            _ => Some(limit),
        }
    }
}

/// Whether the word just before a full stop is an abbreviation or a single-letter initial.
fn ends_with_abbreviation(before: &str) -> bool {
    let word = before.rsplit(char::is_whitespace).next().unwrap_or_default();
    let word = word.trim_start_matches(|c: char| !c.is_alphanumeric());
    let mut letters = word.chars();
    if let (Some(first), None) = (letters.next(), letters.next()) {
        return first.is_uppercase();
    }
    ABBREVIATIONS.contains(&word.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_all(parts: &[&str]) -> Vec<String> {
        let mut splitter = SentenceSplitter::new();
        let mut out: Vec<String> = parts.iter().flat_map(|p| splitter.push(p)).collect();
        out.extend(splitter.finish());
        out
    }

    fn split(text: &str) -> Vec<String> {
        split_all(&[text])
    }

    /// Every way of cutting the text into two chunks gives the same sentences as one chunk.
    fn assert_chunking_invariant(text: &str) {
        let whole = split(text);
        for (cut, _) in text.char_indices() {
            assert_eq!(split_all(&[&text[..cut], &text[cut..]]), whole, "cut at {cut} of {text:?}");
        }
        let chars: Vec<String> = text.chars().map(String::from).collect();
        let refs: Vec<&str> = chars.iter().map(String::as_str).collect();
        assert_eq!(split_all(&refs), whole, "char by char: {text:?}");
    }

    #[test]
    fn splits_at_sentence_ends() {
        assert_eq!(split("Hello there. How are you? Great!"), ["Hello there.", "How are you?", "Great!"]);
        assert_eq!(split("Wait… what?! Really..."), ["Wait…", "what?!", "Really..."]);
        assert_eq!(split("He said \"stop.\" Then left."), ["He said \"stop.\"", "Then left."]);
        assert_eq!(split("(Yes.) No."), ["(Yes.)", "No."]);
    }

    #[test]
    fn a_sentence_is_emitted_as_soon_as_whitespace_follows_it() {
        let mut s = SentenceSplitter::new();
        assert!(s.push("Hel").is_empty());
        assert!(s.push("lo.").is_empty(), "undecided until the next character");
        assert_eq!(s.push(" How"), ["Hello."]);
        assert_eq!(s.push(" are you? I"), ["How are you?"]);
        assert_eq!(s.finish().as_deref(), Some("I"));
        assert_eq!(s.finish(), None);
    }

    #[test]
    fn abbreviations_and_initials_do_not_end_sentences() {
        assert_eq!(
            split("Mr. Smith and Dr. Jones met on Main St. today."),
            ["Mr. Smith and Dr. Jones met on Main St. today."]
        );
        assert_eq!(
            split("Bring fruit, e.g. apples, i.e. red ones. Done."),
            ["Bring fruit, e.g. apples, i.e. red ones.", "Done."]
        );
        assert_eq!(split("Pens, paper etc. are here. Thanks."), ["Pens, paper etc. are here.", "Thanks."]);
        assert_eq!(split("J. R. R. Tolkien wrote it. Yes."), ["J. R. R. Tolkien wrote it.", "Yes."]);
        assert_eq!(split("MRS. Doubtfire. Ok."), ["MRS. Doubtfire.", "Ok."]);
        assert_eq!(split("It is a. Then b."), ["It is a.", "Then b."], "lowercase single letters are words");
    }

    #[test]
    fn numbers_times_and_addresses_do_not_end_sentences() {
        assert_eq!(split("It costs 3.5 dollars. Ok."), ["It costs 3.5 dollars.", "Ok."]);
        assert_eq!(split("Meet at 10.30 or 11:45. Bye."), ["Meet at 10.30 or 11:45.", "Bye."]);
        assert_eq!(split("Visit example.com now. Thanks."), ["Visit example.com now.", "Thanks."]);
        assert_eq!(split("Version 2.0.1! Nice."), ["Version 2.0.1!", "Nice."]);
        assert_eq!(split("I have 3. You have 4."), ["I have 3.", "You have 4."]);
        assert_eq!(split("Come at 9 a.m. or 3 P.M. on Tuesday. Ok."), ["Come at 9 a.m. or 3 P.M. on Tuesday.", "Ok."]);
    }

    #[test]
    fn newlines_end_pieces_and_blank_lines_vanish() {
        assert_eq!(
            split("First line\nSecond line\n\n\n- item one\r\n- item two"),
            ["First line", "Second line", "- item one", "- item two"]
        );
    }

    #[test]
    fn never_returns_empty_strings_and_trims() {
        assert!(split("").is_empty());
        assert!(split("   \n \n\t ").is_empty());
        assert_eq!(split("  Hi.   Bye.  "), ["Hi.", "Bye."]);
        assert_eq!(split("... ?! Ok"), ["...", "?!", "Ok"]);
    }

    #[test]
    fn long_runs_are_cut_at_the_last_comma_then_space() {
        let clause = "and then some more words follow here, ";
        let text = clause.repeat(8);
        let pieces = split(&text);
        assert!(pieces.len() > 1);
        assert!(pieces.iter().all(|p| p.chars().count() <= MAX_CHARS), "{pieces:?}");
        assert!(pieces[..pieces.len() - 1].iter().all(|p| p.ends_with(',')), "{pieces:?}");
        assert_eq!(pieces.join(" "), text.trim());

        let words = "word ".repeat(100);
        let pieces = split(&words);
        assert!(pieces.iter().all(|p| p.chars().count() <= MAX_CHARS && !p.ends_with(' ')), "{pieces:?}");
        assert_eq!(pieces.join(" "), words.trim());

        let blob = "é".repeat(450);
        let pieces = split(&blob);
        assert_eq!(pieces.iter().map(|p| p.chars().count()).collect::<Vec<_>>(), [MAX_CHARS, MAX_CHARS, 50]);
    }

    #[test]
    fn text_below_the_limit_waits_for_its_end() {
        let mut s = SentenceSplitter::new();
        assert!(s.push(&"a".repeat(MAX_CHARS)).is_empty());
        assert_eq!(s.push("b").len(), 1);
    }

    #[test]
    fn chunk_boundaries_never_change_the_result() {
        for text in [
            "Hello there. How are you? Fine!",
            "Mr. Smith paid 3.50 at 10.30, e.g. cash… Thanks!\nBye",
            "Wait... \"Really?!\" Yes. (Sure.) Ok",
            "Café ☕ is open. Über gut! 日本語です。 Next.",
        ] {
            assert_chunking_invariant(text);
        }
    }
}
