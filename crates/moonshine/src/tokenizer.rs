//! Moonshine's `tokenizer.bin`: token ids back to text.
//!
//! The file is a flat list of `[u8 length][length bytes]` records, one per token id in order (32,000 for
//! base-en). Ids 0–2 are `<unk>`, `<s>` and `</s>`; ids 3..=258 are the single bytes 0x00..=0xFF
//! (SentencePiece's byte fallback, stored as those raw bytes, so they need no special case); the rest are
//! pieces with `▁` (U+2581) for a space. Only decoding is needed: the model produces the ids.

use std::path::Path;

use crate::MoonshineError;

/// Ids below this are control tokens (`<unk>`, `<s>`, `</s>`) and produce no text.
const FIRST_TEXT_ID: usize = 3;

/// SentencePiece's word-boundary mark, which stands for a space.
const SPACE_MARK: &str = "\u{2581}";

/// The pieces of a vocabulary, indexed by token id.
#[derive(Debug)]
pub(crate) struct Tokenizer {
    pieces: Vec<Vec<u8>>,
}

impl Tokenizer {
    /// Reads and parses `path`; a short or truncated file is an error naming it.
    pub(crate) fn load(path: &Path) -> Result<Tokenizer, MoonshineError> {
        let bytes = std::fs::read(path)
            .map_err(|e| MoonshineError::Tokenizer { path: path.to_path_buf(), message: e.to_string() })?;
        Tokenizer::parse(&bytes).map_err(|message| MoonshineError::Tokenizer { path: path.to_path_buf(), message })
    }

    /// Parses the records. Fewer records than the control and byte tokens cannot be Moonshine's vocabulary.
    fn parse(mut bytes: &[u8]) -> Result<Tokenizer, String> {
        let mut pieces = Vec::new();
        while let Some((&len, rest)) = bytes.split_first() {
            let Some((piece, rest)) = rest.split_at_checked(usize::from(len)) else {
                return Err(format!("record {} is cut short (truncated file?)", pieces.len()));
            };
            pieces.push(piece.to_vec());
            bytes = rest;
        }
        if pieces.len() <= FIRST_TEXT_ID + 255 {
            return Err(format!("only {} tokens, fewer than the control and byte tokens alone", pieces.len()));
        }
        Ok(Tokenizer { pieces })
    }

    /// How many token ids the vocabulary has; the model's logits beyond these are padding.
    pub(crate) fn len(&self) -> usize {
        self.pieces.len()
    }

    /// The text of `ids`: their bytes joined (control tokens and ids outside the vocabulary skipped), read as
    /// UTF-8 (invalid sequences replaced, as a byte-fallback sequence can be cut off by the token budget),
    /// `▁` turned into spaces, trimmed.
    pub(crate) fn decode(&self, ids: &[usize]) -> String {
        let bytes: Vec<u8> = ids
            .iter()
            .filter(|&&id| id >= FIRST_TEXT_ID)
            .filter_map(|&id| self.pieces.get(id))
            .flatten()
            .copied()
            .collect();
        String::from_utf8_lossy(&bytes).replace(SPACE_MARK, " ").trim().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vocabulary like Moonshine's: three control tokens, 256 byte tokens, then `extra`.
    fn vocabulary(extra: &[&str]) -> Vec<u8> {
        let mut pieces: Vec<Vec<u8>> = ["<unk>", "<s>", "</s>"].iter().map(|p| p.as_bytes().to_vec()).collect();
        pieces.extend((0..=255u8).map(|b| vec![b]));
        pieces.extend(extra.iter().map(|p| p.as_bytes().to_vec()));
        let mut file = Vec::new();
        for piece in pieces {
            file.push(u8::try_from(piece.len()).unwrap());
            file.extend(piece);
        }
        file
    }

    /// Writes `bytes` as tokenizer.bin in a temporary directory and loads it from there.
    fn load(bytes: &[u8]) -> Result<Tokenizer, MoonshineError> {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("tokenizer.bin");
        std::fs::write(&path, bytes).unwrap();
        Tokenizer::load(&path)
    }

    #[test]
    fn decodes_pieces_bytes_and_spaces() {
        let tokenizer = load(&vocabulary(&["▁Hello", ",", "▁caf", "▁world", "."])).unwrap();
        assert_eq!(tokenizer.len(), 259 + 5);
        let (hello, comma, caf, world, stop) = (259, 260, 261, 262, 263);
        assert_eq!(tokenizer.decode(&[hello, comma, world, stop]), "Hello, world.");
        // "é" is not a piece: the model spells it with the byte tokens of its UTF-8 encoding (0xC3 0xA9).
        assert_eq!(tokenizer.decode(&[caf, 3 + 0xC3, 3 + 0xA9]), "café");
    }

    #[test]
    fn skips_control_tokens_and_unknown_ids() {
        let tokenizer = load(&vocabulary(&["▁yes"])).unwrap();
        assert_eq!(tokenizer.decode(&[1, 259, 0, 2, 99_999]), "yes");
        assert_eq!(tokenizer.decode(&[]), "");
    }

    #[test]
    fn a_cut_off_byte_sequence_does_not_fail() {
        let tokenizer = load(&vocabulary(&["▁caf"])).unwrap();
        assert_eq!(tokenizer.decode(&[259, 3 + 0xC3]), "caf\u{FFFD}");
    }

    #[test]
    fn a_truncated_file_is_an_error_naming_it() {
        let mut file = vocabulary(&["▁Hello"]);
        file.pop();
        let err = load(&file).unwrap_err();
        let MoonshineError::Tokenizer { path, message } = &err else { panic!("{err:?}") };
        assert!(path.ends_with("tokenizer.bin") && message.contains("record 259"), "{err}");
        assert!(err.to_string().contains("tokenizer.bin"), "{err}");
    }

    #[test]
    fn a_file_too_small_to_be_a_vocabulary_is_an_error() {
        let err = load(&[1, b'a', 0]).unwrap_err();
        assert!(matches!(&err, MoonshineError::Tokenizer { message, .. } if message.contains("only 2 tokens")));
        assert!(load(&[]).is_err());
    }
}
