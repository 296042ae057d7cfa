//! Phonemes → the model's input ids, by Piper's rule (piper-phonemize `phonemes_to_ids`): `^` (BOS), then `_`
//! (PAD); each phoneme's ids followed by a PAD; then `$` (EOS). Phonemes the voice was not trained on are
//! dropped, as Piper drops them, rather than failing the sentence.

use std::collections::HashMap;

/// Maps one phoneme (a Unicode codepoint of espeak-ng's IPA) to the model's input ids, as the voice's
/// config lists them.
pub type PhonemeIdMap = HashMap<char, Vec<i64>>;

/// Beginning of sentence.
pub(crate) const BOS: char = '^';
/// End of sentence.
pub(crate) const EOS: char = '$';
/// Between phonemes: the model was trained with a pad after every one.
pub(crate) const PAD: char = '_';

/// The ids of one sentence's phonemes, and how many phonemes had no id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhonemeIds {
    /// The model's `input`.
    pub ids: Vec<i64>,
    /// Phonemes dropped because the map has no entry for them.
    pub unknown: usize,
}

/// Maps `phonemes` through `map`, framed and padded. The map must hold BOS, EOS and PAD, as
/// [`crate::VoiceConfig`] checks; a map without them frames nothing rather than panicking.
pub fn phoneme_ids(phonemes: &[char], map: &PhonemeIdMap) -> PhonemeIds {
    let symbol = |c: char| map.get(&c).map(Vec::as_slice).unwrap_or_default();
    let mut ids = Vec::with_capacity(phonemes.len() * 2 + 3);
    ids.extend_from_slice(symbol(BOS));
    ids.extend_from_slice(symbol(PAD));
    let mut unknown = 0;
    for phoneme in phonemes {
        match map.get(phoneme) {
            Some(known) => {
                ids.extend_from_slice(known);
                ids.extend_from_slice(symbol(PAD));
            }
            None => unknown += 1,
        }
    }
    ids.extend_from_slice(symbol(EOS));
    PhonemeIds { ids, unknown }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: &[(char, &[i64])]) -> PhonemeIdMap {
        entries.iter().map(|(c, ids)| (*c, ids.to_vec())).collect()
    }

    #[test]
    fn frames_with_bos_and_eos_and_pads_after_every_phoneme() {
        let map = map(&[('_', &[0]), ('^', &[1]), ('$', &[2]), ('h', &[20]), ('ˈ', &[120]), ('i', &[21])]);
        let got = phoneme_ids(&['h', 'ˈ', 'i'], &map);
        assert_eq!(got.ids, [1, 0, 20, 0, 120, 0, 21, 0, 2]);
        assert_eq!(got.unknown, 0);
    }

    #[test]
    fn unknown_phonemes_are_dropped_and_counted() {
        let map = map(&[('_', &[0]), ('^', &[1]), ('$', &[2]), ('a', &[14])]);
        let got = phoneme_ids(&['a', 'Ω', 'a', '✓'], &map);
        assert_eq!(got.ids, [1, 0, 14, 0, 14, 0, 2]);
        assert_eq!(got.unknown, 2);
    }

    #[test]
    fn multi_id_entries_are_copied_whole() {
        let map = map(&[('_', &[0]), ('^', &[1, 5]), ('$', &[2, 6]), ('a', &[14, 15])]);
        assert_eq!(phoneme_ids(&['a'], &map).ids, [1, 5, 0, 14, 15, 0, 2, 6]);
    }

    #[test]
    fn empty_input_is_just_the_frame() {
        let map = map(&[('_', &[0]), ('^', &[1]), ('$', &[2])]);
        assert_eq!(phoneme_ids(&[], &map).ids, [1, 0, 2]);
    }

    #[test]
    fn a_map_without_framing_symbols_does_not_panic() {
        let map = map(&[('a', &[14])]);
        assert_eq!(phoneme_ids(&['a'], &map).ids, [14]);
    }
}
