//! Whether what the caller said so far reads as a finished sentence, so the agent may answer after a
//! short pause instead of the full end-of-turn silence.
//!
//! The recogniser punctuates (Moonshine ends almost every draft with a full stop, even "I'd like to
//! book."), so punctuation alone would cut callers off mid-thought. A sentence also counts as
//! unfinished when its last word is one that English sentences rarely end on: an article, a
//! preposition, a conjunction, a possessive, an auxiliary or a filler ("to", "the", "and", "my",
//! "would", "um"). The list errs towards waiting: a wrong "unfinished" costs the caller the normal
//! wait, a wrong "finished" cuts them off (barge-in then lets them go on).

/// Words no sentence ends on, question or not (lowercase): articles, conjunctions, possessives, fillers.
const HANGING_WORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "so", "because", "if", "than", "my", "your", "our", "their", "his", "um",
    "uh", "er", "erm", "hmm", "let's", "i'm", "i'd", "i'll", "we're",
];

/// Words a statement rarely ends on, though a question may ("What is this about?").
const HANGING_IN_STATEMENTS: &[&str] = &[
    "then", "that", "which", "who", "whose", "when", "where", "while", "to", "of", "for", "with", "at", "in", "on",
    "from", "by", "about", "into", "onto", "as", "like", "this", "these", "those", "is", "are", "was", "were", "am",
    "be", "been", "being", "have", "has", "had", "do", "does", "did", "would", "could", "should", "can", "will",
    "shall", "may", "might", "must", "i", "we", "you", "they", "he", "she", "it's", "just", "very", "really", "also",
    "maybe", "not", "her", "its",
];

/// Whether `text` (a transcript of everything the caller said this turn) ends a sentence.
pub fn finished_sentence(text: &str) -> bool {
    let text = text.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ')' | '”' | '’'));
    let Some(last) = text.chars().last() else { return false };
    if !matches!(last, '.' | '?' | '!') || text.ends_with("...") || text.ends_with('…') {
        return false;
    }
    let last_word = text.split_whitespace().last().unwrap_or_default();
    let word: String = last_word
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
        .chars()
        .map(|c| if c == '’' { '\'' } else { c.to_ascii_lowercase() })
        .collect();
    let hanging =
        HANGING_WORDS.contains(&word.as_str()) || (last == '.' && HANGING_IN_STATEMENTS.contains(&word.as_str()));
    !word.is_empty() && !hanging
}

#[cfg(test)]
mod tests {
    use super::finished_sentence;

    #[test]
    fn finished_sentences_end_with_a_mark_and_a_word_that_can_end_one() {
        for text in [
            "Hello, this is Sam speaking.",
            "Yes, I have a minute. What is this about?",
            "Yes.",
            "Hello?",
            "Okay, thank you. Goodbye!",
            "Can we do Thursday at 7:30?",
            "My number is 555-1234.",
            "He said \"fine.\"",
            "Who is it for?",
        ] {
            assert!(finished_sentence(text), "finished: {text}");
        }
    }

    #[test]
    fn hanging_words_trailing_off_and_no_mark_are_unfinished() {
        for text in [
            "",
            "   ",
            "I would like to book a table for.",
            "I would like to move the.",
            "Yes, and.",
            "Let me check my.",
            "So um.",
            "Well...",
            "I think that is fine",
            "It's for the…",
            "I WOULD.",
            "Is it for the?",
            "Could you send it to.",
        ] {
            assert!(!finished_sentence(text), "unfinished: {text}");
        }
    }
}
