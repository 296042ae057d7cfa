//! Word error rate, for measuring a recogniser against reference transcripts.
//!
//! Both texts are normalised first: lower case, punctuation dropped (marks split words; hyphens and
//! apostrophes inside words are removed, so "good-bye" is "goodbye"), "I'm" becomes "i am", "ok" becomes "okay", and whole numbers up to
//! twenty are spelled out, so that "Table for 2." and "table for two" match. Errors are the word-level
//! Levenshtein distance (substitutions + deletions + insertions) between the normalised word lists.

use std::ops::{Add, AddAssign};

/// Errors against a reference, summable over many utterances.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WordErrors {
    /// Substitutions, deletions and insertions.
    pub errors: usize,
    /// Words in the normalised reference.
    pub reference_words: usize,
}

impl WordErrors {
    /// Errors per reference word (0.0 for an empty reference with no errors; may exceed 1.0).
    pub fn rate(&self) -> f64 {
        match (self.errors, self.reference_words) {
            (0, _) => 0.0,
            (errors, 0) => errors as f64,
            (errors, words) => errors as f64 / words as f64,
        }
    }
}

impl Add for WordErrors {
    type Output = WordErrors;
    fn add(self, other: WordErrors) -> WordErrors {
        WordErrors { errors: self.errors + other.errors, reference_words: self.reference_words + other.reference_words }
    }
}

impl AddAssign for WordErrors {
    fn add_assign(&mut self, other: WordErrors) {
        *self = *self + other;
    }
}

/// Word errors of `hypothesis` against `reference`, after normalising both.
pub fn word_errors(reference: &str, hypothesis: &str) -> WordErrors {
    let reference = normalise(reference);
    let hypothesis = normalise(hypothesis);
    WordErrors { errors: levenshtein(&reference, &hypothesis), reference_words: reference.len() }
}

/// The words of `text` as compared by [`word_errors`].
pub fn normalise(text: &str) -> Vec<String> {
    let cleaned: String = text
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '\u{2019}' | '\'' | '-' | '\u{2010}' | '\u{2011}' => '\'',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        })
        .collect();
    let mut words = Vec::new();
    for word in cleaned.split_whitespace() {
        let word = word.trim_matches('\'');
        match word {
            "i'm" => words.extend(["i".to_owned(), "am".to_owned()]),
            "ok" => words.push("okay".to_owned()),
            _ => {
                let word = word.replace('\'', "");
                match number_word(&word) {
                    Some(spelled) => words.push(spelled.to_owned()),
                    None if word.is_empty() => {}
                    None => words.push(word),
                }
            }
        }
    }
    words
}

fn number_word(word: &str) -> Option<&'static str> {
    const NUMBERS: [&str; 21] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    if word.is_empty() || !word.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    word.parse::<usize>().ok().and_then(|n| NUMBERS.get(n).copied())
}

/// Edit distance between two word sequences.
fn levenshtein(a: &[String], b: &[String]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, word_a) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, word_b) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(word_a != word_b);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(reference: &str, hypothesis: &str) -> (usize, usize) {
        let e = word_errors(reference, hypothesis);
        (e.errors, e.reference_words)
    }

    #[test]
    fn normalises_case_punctuation_and_contractions() {
        assert_eq!(normalise("Hello, this is Sam speaking."), ["hello", "this", "is", "sam", "speaking"]);
        assert_eq!(normalise("I'm driving; I\u{2019}m late!"), ["i", "am", "driving", "i", "am", "late"]);
        assert_eq!(normalise("Don't  call-back 'now' - fine"), ["dont", "callback", "now", "fine"]);
        assert_eq!(normalise("Good-bye, 555-1234"), ["goodbye", "5551234"]);
        assert_eq!(normalise("OK, ok. Okay!"), ["okay", "okay", "okay"]);
        assert_eq!(
            normalise("A table for 2 at 7, room 101"),
            ["a", "table", "for", "two", "at", "seven", "room", "101"]
        );
        assert!(normalise(" ... ''  ").is_empty());
    }

    #[test]
    fn identical_texts_have_no_errors() {
        assert_eq!(errors("Okay, thank you. Goodbye.", "okay thank you goodbye"), (0, 4));
        assert_eq!(errors("I'm here", "I am here."), (0, 3));
        assert_eq!(errors("", ""), (0, 0));
    }

    #[test]
    fn counts_substitutions_deletions_and_insertions() {
        assert_eq!(errors("call me back tomorrow", "call me back to morrow"), (2, 4)); // 1 sub + 1 ins
        assert_eq!(errors("no thanks I am not interested", "no I am not interested"), (1, 6)); // 1 del
        assert_eq!(errors("yes I have a minute", "yes I have a minute now"), (1, 5)); // 1 ins
        assert_eq!(errors("one two three", "four five six"), (3, 3));
        assert_eq!(errors("one two", ""), (2, 2));
        assert_eq!(errors("", "hallucinated words"), (2, 0));
    }

    #[test]
    fn rates_and_sums() {
        let total = word_errors("a b c d", "a x c d") + word_errors("e f", "e f g h");
        assert_eq!(total, WordErrors { errors: 3, reference_words: 6 });
        assert!((total.rate() - 0.5).abs() < 1e-12);
        assert_eq!(WordErrors::default().rate(), 0.0);
        assert_eq!(WordErrors { errors: 2, reference_words: 0 }.rate(), 2.0);
        let mut sum = WordErrors::default();
        sum += word_errors("x", "y");
        assert_eq!(sum.rate(), 1.0);
    }
}
