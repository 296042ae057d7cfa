//! What an interrupted agent sentence amounted to for the caller: the transcript keeps only the
//! words whose audio went out, so the brain's next reply does not assume the caller heard the rest.

/// The words of `text` that fit in the part of its audio that was played (`played` of `total`
/// samples), assuming speech spreads evenly over the characters. A word counts when its end was
/// reached.
pub fn heard_part(text: &str, played: usize, total: usize) -> String {
    if total == 0 || played >= total {
        return text.trim().to_owned();
    }
    let reached = text.len() as f64 * played as f64 / total as f64;
    let mut end = 0;
    for (index, _) in text.match_indices(char::is_whitespace) {
        if index as f64 > reached {
            break;
        }
        end = index;
    }
    let last_word_done = text.trim_end().len() as f64 <= reached;
    if last_word_done { text.trim().to_owned() } else { text[..end].trim().to_owned() }
}

#[cfg(test)]
mod tests {
    use super::heard_part;

    #[test]
    fn all_played_is_all_heard() {
        assert_eq!(heard_part(" We open at nine. ", 100, 100), "We open at nine.");
        assert_eq!(heard_part("We open", 0, 0), "We open");
    }

    #[test]
    fn nothing_played_is_nothing_heard() {
        assert_eq!(heard_part("We open at nine.", 0, 100), "");
    }

    #[test]
    fn half_played_keeps_the_words_whose_end_was_reached() {
        // 16 chars, half = 8: "We open" ends at 7.
        assert_eq!(heard_part("We open at nine.", 50, 100), "We open");
        // A word cut in the middle is dropped.
        assert_eq!(heard_part("We open at nine.", 30, 100), "We");
    }

    #[test]
    fn multibyte_text_is_cut_on_char_boundaries() {
        let text = "Café crème très bon";
        for played in 0..=10 {
            let heard = heard_part(text, played, 10);
            assert!(text.starts_with(&heard));
        }
    }
}
