//! Telephone-like test speech, shared by tests/recognises_speech.rs and examples/wer.rs.
#![allow(dead_code)] // Each user needs a different subset.

use std::process::Command;

/// What a sandbox callee says in the call scripts.
pub(crate) const PHRASES: [&str; 8] = [
    "Hello, this is Sam speaking.",
    "Yes, I have a minute. What is this about?",
    "Can I book a table for two on Friday evening?",
    "Sorry, can I stop you there? I am driving right now.",
    "Okay, thank you. Goodbye.",
    "No thanks, I am not interested.",
    "Could you call me back tomorrow morning?",
    "That sounds good, please send me the details.",
];

pub(crate) const SAMPLE_RATE: usize = 16_000;

/// `phrase` spoken by espeak-ng (en-us, 160 wpm), through a phone line (300–3400 Hz, G.711 µ-law at 8 kHz),
/// back to 16 kHz s16 mono with 0.3 s of silence either side: what the media layer hands the recogniser.
pub(crate) fn phone_speech(phrase: &str) -> Result<Vec<i16>, String> {
    let script = r#"set -euo pipefail
espeak-ng -v en-us -s 160 --stdout "$1" |
  sox -t wav - -r 8000 -e u-law -t wav - sinc 300-3400 |
  sox -t wav - -r 16000 -e signed-integer -b 16 -c 1 -t raw - pad 0.3 0.3"#;
    let output = Command::new("bash")
        .args(["-c", script, "phone_speech", phrase])
        .output()
        .map_err(|e| format!("cannot run bash: {e}"))?;
    if !output.status.success() || output.stdout.is_empty() {
        return Err(format!(
            "espeak-ng | sox failed ({}): {} (are espeak-ng and sox installed? scripts/install-deps.sh installs them)",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(output.stdout.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect())
}

/// Seconds of 16 kHz audio.
pub(crate) fn seconds(pcm: &[i16]) -> f64 {
    pcm.len() as f64 / SAMPLE_RATE as f64
}

/// CPU time (user + system, all threads) this process has used, in seconds, from /proc/self/stat.
pub(crate) fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15 (1-based).
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    // USER_HZ is 100 on every Linux architecture that matters here.
    (ticks(11) + ticks(12)) as f64 / 100.0
}

/// Peak resident set size of this process in MiB (VmHWM from /proc/self/status).
pub(crate) fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
