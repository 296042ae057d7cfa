//! The voice's `.onnx.json`, as Piper's training writes it: the output sample rate, the espeak-ng voice that
//! phonemizes for it, the phoneme → id table the model was trained with, and the default inference scales.
//!
//! Only the fields synthesis needs are read; the rest (dataset, language names, ...) are ignored.

use crate::PiperError;
pub use crate::ids::PhonemeIdMap;
use crate::ids::{BOS, EOS, PAD};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

/// What synthesis needs from a voice config.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceConfig {
    /// Rate of the model's output, in Hz (22,050 for medium voices).
    pub sample_rate: u32,
    /// espeak-ng voice for phonemes, e.g. `en-us`.
    pub espeak_voice: String,
    /// The model's `scales` input.
    pub scales: Scales,
    /// Phoneme → ids, including the framing symbols `^` `$` `_`.
    pub phoneme_id_map: PhonemeIdMap,
}

/// The model's `scales` input: how much variation, and how slow.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct Scales {
    /// Variation in the voice (VITS noise).
    pub noise_scale: f32,
    /// Duration multiplier: above 1 speaks slower.
    pub length_scale: f32,
    /// Variation in phoneme durations.
    pub noise_w: f32,
}

impl Scales {
    /// In the order the model's `scales` input takes them.
    pub fn as_input(&self) -> [f32; 3] {
        [self.noise_scale, self.length_scale, self.noise_w]
    }
}

/// Piper's training defaults, for configs without an `inference` section.
const DEFAULT_SCALES: Scales = Scales { noise_scale: 0.667, length_scale: 1.0, noise_w: 0.8 };

#[derive(Deserialize)]
struct RawConfig {
    audio: RawAudio,
    espeak: Option<RawEspeak>,
    inference: Option<Scales>,
    phoneme_type: Option<String>,
    phoneme_id_map: HashMap<String, Vec<i64>>,
}

#[derive(Deserialize)]
struct RawAudio {
    sample_rate: u32,
}

#[derive(Deserialize)]
struct RawEspeak {
    voice: String,
}

impl VoiceConfig {
    /// Reads and checks the config at `path`.
    pub fn read(path: &Path) -> Result<VoiceConfig, PiperError> {
        let bad = |message: String| PiperError::Config { path: path.to_path_buf(), message };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(PiperError::Missing { path: path.to_path_buf() });
            }
            Err(error) => return Err(bad(error.to_string())),
        };
        VoiceConfig::parse(&text).map_err(bad)
    }

    /// Parses a config's text.
    pub fn parse(text: &str) -> Result<VoiceConfig, String> {
        let raw: RawConfig = serde_json::from_str(text).map_err(|error| error.to_string())?;
        if let Some(kind) = raw.phoneme_type.as_deref().filter(|kind| *kind != "espeak") {
            return Err(format!("phoneme_type {kind:?} is not supported (only espeak)"));
        }
        if raw.audio.sample_rate == 0 {
            return Err("audio.sample_rate is 0".into());
        }
        let phoneme_id_map = phoneme_id_map(raw.phoneme_id_map)?;
        Ok(VoiceConfig {
            sample_rate: raw.audio.sample_rate,
            espeak_voice: raw.espeak.map_or_else(|| "en-us".to_owned(), |espeak| espeak.voice),
            scales: raw.inference.unwrap_or(DEFAULT_SCALES),
            phoneme_id_map,
        })
    }
}

/// Keys are single codepoints, and the framing symbols must be there: without them every input is malformed.
fn phoneme_id_map(raw: HashMap<String, Vec<i64>>) -> Result<PhonemeIdMap, String> {
    let mut map = PhonemeIdMap::with_capacity(raw.len());
    for (key, ids) in raw {
        let mut chars = key.chars();
        let (Some(phoneme), None) = (chars.next(), chars.next()) else {
            return Err(format!("phoneme_id_map key {key:?} is not one character"));
        };
        if ids.iter().any(|id| *id < 0) {
            return Err(format!("phoneme_id_map has a negative id for {key:?}"));
        }
        map.insert(phoneme, ids);
    }
    for symbol in [BOS, EOS, PAD] {
        if !map.contains_key(&symbol) {
            return Err(format!("phoneme_id_map has no {symbol:?}"));
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"{
        "audio": {"sample_rate": 16000, "quality": "low"},
        "espeak": {"voice": "en-gb"},
        "inference": {"noise_scale": 0.5, "length_scale": 1.2, "noise_w": 0.7},
        "phoneme_type": "espeak",
        "phoneme_id_map": {"_": [0], "^": [1], "$": [2], "a": [14], "ç": [40]},
        "dataset": "ignored"
    }"#;

    #[test]
    fn reads_rate_voice_scales_and_map() {
        let config = VoiceConfig::parse(SMALL).unwrap();
        assert_eq!(config.sample_rate, 16000);
        assert_eq!(config.espeak_voice, "en-gb");
        assert_eq!(config.scales.as_input(), [0.5, 1.2, 0.7]);
        assert_eq!(config.phoneme_id_map[&'ç'], [40]);
        assert_eq!(config.phoneme_id_map.len(), 5);
    }

    #[test]
    fn missing_inference_takes_piper_defaults() {
        let text = r#"{"audio": {"sample_rate": 22050}, "phoneme_id_map": {"_": [0], "^": [1], "$": [2]}}"#;
        let config = VoiceConfig::parse(text).unwrap();
        assert_eq!(config.scales, DEFAULT_SCALES);
        assert_eq!(config.espeak_voice, "en-us");
    }

    #[test]
    fn refuses_configs_it_cannot_use() {
        let cases = [
            ("", "EOF"),
            (r#"{"audio": {"sample_rate": 22050}}"#, "phoneme_id_map"),
            (r#"{"audio": {"sample_rate": 0}, "phoneme_id_map": {}}"#, "sample_rate is 0"),
            (r#"{"audio": {"sample_rate": 1}, "phoneme_id_map": {"ab": [3]}}"#, "not one character"),
            (r#"{"audio": {"sample_rate": 1}, "phoneme_id_map": {"_": [0], "^": [1]}}"#, "no '$'"),
            (r#"{"audio": {"sample_rate": 1}, "phoneme_id_map": {"a": [-1]}}"#, "negative"),
            (r#"{"audio": {"sample_rate": 1}, "phoneme_type": "text", "phoneme_id_map": {}}"#, "only espeak"),
        ];
        for (text, expected) in cases {
            let error = VoiceConfig::parse(text).expect_err(text);
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn a_missing_file_says_which() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("voice.onnx.json");
        assert!(matches!(VoiceConfig::read(&path), Err(PiperError::Missing { path: p }) if p == path));
    }
}
