//! Measures the voice: for five single sentences of different lengths, the time to their audio (wall and CPU;
//! for `PiperVoice` this is the first-audio time when the sentence opens a reply) against the audio's length.
//!
//!   taskset -c 1 cargo run --release -p agentline-piper --example measure [-- OUT_DIR]
//!
//! With OUT_DIR, each sentence's audio is also written there as a 16-bit WAV at the voice's rate.

use agentline_piper::Piper;
use std::time::{Duration, Instant};

const SENTENCES: [&str; 5] = [
    "Yes.",
    "Thanks for calling, how can I help?",
    "Could we move the appointment to Thursday afternoon instead?",
    "I'd like to book a table for four people at half past seven tomorrow evening, if you still have room.",
    "Your order has been confirmed, and it will be delivered on Monday between nine and eleven in the morning; you'll get a text message with the driver's name, the van's number plate and a link to follow it on a map.",
];

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).map(std::path::PathBuf::from);
    let (cpu0, wall0) = (cpu_time(), Instant::now());
    let voice = Piper::load(&agentline_piper::default_dir())?;
    println!("load: {:.2} s wall, {:.2} s cpu", wall0.elapsed().as_secs_f64(), (cpu_time() - cpu0).as_secs_f64());
    voice.synthesize("Warm up.").await?;
    println!("| words | audio s | first audio (wall) s | cpu s | cpu-RTF |");
    println!("|---|---|---|---|---|");
    for (i, text) in SENTENCES.iter().enumerate() {
        let (cpu0, wall0) = (cpu_time(), Instant::now());
        let pcm = voice.synthesize(text).await?;
        let (wall, cpu) = (wall0.elapsed().as_secs_f64(), (cpu_time() - cpu0).as_secs_f64());
        let audio = pcm.len() as f64 / f64::from(voice.sample_rate());
        let peak = pcm.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
        let words = text.split_whitespace().count();
        println!("| {words} | {audio:.2} | {wall:.3} | {cpu:.3} | {:.3} | (peak {peak})", cpu / audio);
        if let Some(out) = &out {
            write_wav(&out.join(format!("sentence-{i}.wav")), voice.sample_rate(), &pcm)?;
        }
    }
    Ok(())
}

/// CPU time of the whole process (all threads), from /proc/self/stat's utime + stime.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks: u64 = [11, 12].iter().filter_map(|&i| fields.get(i)?.parse::<u64>().ok()).sum();
    Duration::from_millis(ticks * 10) // USER_HZ is 100 on Linux
}

fn write_wav(path: &std::path::Path, rate: u32, pcm: &[i16]) -> std::io::Result<()> {
    let data_len = u32::try_from(pcm.len() * 2).unwrap_or(u32::MAX);
    let mut bytes = Vec::with_capacity(44 + pcm.len() * 2);
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_len).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&rate.to_le_bytes());
    bytes.extend_from_slice(&(rate * 2).to_le_bytes());
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_len.to_le_bytes());
    pcm.iter().for_each(|s| bytes.extend_from_slice(&s.to_le_bytes()));
    std::fs::write(path, bytes)
}
