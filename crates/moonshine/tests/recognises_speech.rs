//! End-to-end: the installed Moonshine model on telephone-like speech.
//!
//! Needs scripts/install-moonshine.sh to have run (into `default_dir()`), and espeak-ng and sox
//! (scripts/install-deps.sh). Without the model these tests fail, unless AGENTLINE_SKIP_MOONSHINE=1.

mod support;

use std::sync::{Arc, OnceLock};

use agentline_moonshine::wer::{WordErrors, normalise, word_errors};
use agentline_moonshine::{Moonshine, MoonshineError, default_dir};
use support::{PHRASES, SAMPLE_RATE, phone_speech};

/// Largest word error rate accepted. Measured on the development machine: 21.7 % (13 of 60 words) phrase by
/// phrase and 5–10 % for the eight phrases as one turn; the offline-STT study measured 18.9–22.4 % on similar
/// sets. One word is 1.7 % here, so 35 % leaves 8 words of slack for other CPUs (ONNX Runtime picks other
/// kernels; even runs on one machine differ by a word or two) and other espeak-ng or sox versions, while a broken
/// pipeline (wrong sample rate, scaling or byte order: 80–100 %) still fails.
const MAX_WER: f64 = 0.35;

/// One model for all tests (it takes 0.5 s and up to 2 GB to load); `None` when skipped.
fn model() -> Option<&'static Moonshine> {
    static MODEL: OnceLock<Option<Moonshine>> = OnceLock::new();
    MODEL
        .get_or_init(|| match Moonshine::load(&default_dir()) {
            Ok(model) => Some(model),
            Err(e @ MoonshineError::MissingFile { .. }) => {
                if std::env::var("AGENTLINE_SKIP_MOONSHINE").is_ok_and(|v| v == "1") {
                    eprintln!("skipped: AGENTLINE_SKIP_MOONSHINE=1 and {e}");
                    None
                } else {
                    panic!("{e}\n(set AGENTLINE_SKIP_MOONSHINE=1 to skip the tests that need the model)");
                }
            }
            Err(e) => panic!("{e}"),
        })
        .as_ref()
}

fn speech(phrase: &str) -> Vec<i16> {
    phone_speech(phrase).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn recognises_telephone_speech() {
    let Some(moonshine) = model() else { return };
    let mut total = WordErrors::default();
    for phrase in PHRASES {
        let text = moonshine.transcribe(&speech(phrase)).unwrap();
        let errors = word_errors(phrase, &text);
        eprintln!("{phrase:?} → {text:?} ({}/{} errors)", errors.errors, errors.reference_words);
        assert!(!text.is_empty(), "nothing recognised in {phrase:?}");
        assert_eq!(text, text.trim());
        total += errors;
    }
    eprintln!("WER {:.1} % ({}/{})", 100.0 * total.rate(), total.errors, total.reference_words);
    assert!(total.rate() <= MAX_WER, "WER {:.1} % > {:.0} %", 100.0 * total.rate(), 100.0 * MAX_WER);
}

#[test]
fn recognises_a_long_turn_cut_into_pieces() {
    let Some(moonshine) = model() else { return };
    // 27.7 s: over the 20 s limit, so it is cut (in a pause) and the pieces' texts are joined.
    let pcm: Vec<i16> = PHRASES.iter().flat_map(|phrase| speech(phrase)).collect();
    assert!(pcm.len() > 20 * SAMPLE_RATE);
    let text = moonshine.transcribe(&pcm).unwrap();
    let errors = word_errors(&PHRASES.join(" "), &text);
    eprintln!("{text:?} ({}/{} errors)", errors.errors, errors.reference_words);
    assert!(errors.rate() <= MAX_WER, "WER {:.1} % > {:.0} %", 100.0 * errors.rate(), 100.0 * MAX_WER);
}

#[test]
fn trailing_silence_does_not_swallow_the_phrase() {
    let Some(moonshine) = model() else { return };
    // Given as is, Moonshine returns "" for this phrase followed by 3 s of silence.
    let mut pcm = speech(PHRASES[6]);
    pcm.extend(std::iter::repeat_n(0, 3 * SAMPLE_RATE));
    let text = moonshine.transcribe(&pcm).unwrap();
    assert!(normalise(&text).contains(&"morning".to_owned()), "{text:?}");
}

#[test]
fn silence_and_scraps_give_no_text() {
    let Some(moonshine) = model() else { return };
    assert_eq!(moonshine.transcribe(&[]).unwrap(), "");
    assert_eq!(moonshine.transcribe(&vec![0; 3 * SAMPLE_RATE]).unwrap(), "");
    // Shorter than the encoder's smallest input (56 ms): padded rather than crashing ONNX Runtime.
    for len in [1, 100, 894, 895] {
        let click: Vec<i16> = (0..len).map(|i| if i % 2 == 0 { 12_000 } else { -12_000 }).collect();
        moonshine.transcribe(&click).unwrap();
    }
}

#[test]
fn shared_between_threads() {
    let Some(moonshine) = model() else { return };
    let audio = Arc::new([speech(PHRASES[2]), speech(PHRASES[4])]);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let audio = Arc::clone(&audio);
                scope.spawn(move || moonshine.transcribe(&audio[i % 2]).unwrap())
            })
            .collect();
        for (i, handle) in handles.into_iter().enumerate() {
            let text = handle.join().unwrap();
            assert!(word_errors(PHRASES[[2, 4][i % 2]], &text).rate() <= 0.5, "{text:?}");
        }
    });
}

#[test]
fn loads_again_after_being_dropped() {
    if model().is_none() {
        return;
    }
    // A second and third model next to the shared one, each freed (and its library reference dropped) in turn.
    for _ in 0..2 {
        let moonshine = Moonshine::load(&default_dir()).unwrap();
        let text = moonshine.transcribe(&speech(PHRASES[4])).unwrap();
        assert!(word_errors(PHRASES[4], &text).rate() <= 0.5, "{text:?}");
    }
}

/// A copy of the installation in a temporary directory, `broken` (a file under models/base-en) replaced by
/// `contents`, the other files linked to the installed ones.
fn install_with(broken: &str, contents: &[u8]) -> tempfile::TempDir {
    let installed = default_dir();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("models/base-en")).unwrap();
    for name in ["libonnxruntime.so.1", MODEL_FILES[0], MODEL_FILES[1], MODEL_FILES[2]] {
        std::os::unix::fs::symlink(installed.join(name), tmp.path().join(name)).unwrap();
    }
    std::fs::remove_file(tmp.path().join(broken)).unwrap();
    std::fs::write(tmp.path().join(broken), contents).unwrap();
    tmp
}

const MODEL_FILES: [&str; 3] =
    ["models/base-en/encoder_model.ort", "models/base-en/decoder_model_merged.ort", "models/base-en/tokenizer.bin"];

#[test]
fn a_truncated_model_is_an_error_naming_it() {
    if model().is_none() {
        return;
    }
    for name in &MODEL_FILES[..2] {
        let bytes = std::fs::read(default_dir().join(name)).unwrap();
        // ONNX Runtime verifies an .ort file's structure; the last few bytes are alignment padding, whose loss
        // is harmless (the model loads), so the shortest cut tried is 4 KiB.
        for len in [0, 100, bytes.len() / 2, bytes.len() - 4096] {
            let tmp = install_with(name, &bytes[..len]);
            let err = Moonshine::load(tmp.path()).unwrap_err();
            let MoonshineError::ModelLoad { path, .. } = &err else { panic!("{name} cut to {len} bytes: {err:?}") };
            assert_eq!(path, &tmp.path().join(name));
            assert!(err.to_string().contains("scripts/install-moonshine.sh"), "{err}");
        }
    }
}

#[test]
fn another_graph_or_a_truncated_tokenizer_is_an_error_naming_it() {
    if model().is_none() {
        return;
    }
    // The decoder in the encoder's place: a valid model, but not the graph the loop drives.
    let decoder = std::fs::read(default_dir().join(MODEL_FILES[1])).unwrap();
    let tmp = install_with(MODEL_FILES[0], &decoder);
    let err = Moonshine::load(tmp.path()).unwrap_err();
    assert!(matches!(&err, MoonshineError::ModelLoad { .. }), "{err:?}");
    assert!(err.to_string().contains("no input input_values"), "{err}");

    let tokenizer = std::fs::read(default_dir().join(MODEL_FILES[2])).unwrap();
    let tmp = install_with(MODEL_FILES[2], &tokenizer[..tokenizer.len() - 1]);
    let err = Moonshine::load(tmp.path()).unwrap_err();
    let MoonshineError::Tokenizer { path, .. } = &err else { panic!("{err:?}") };
    assert_eq!(path, &tmp.path().join(MODEL_FILES[2]));
}
