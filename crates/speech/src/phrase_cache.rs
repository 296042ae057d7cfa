//! [`PhraseCache`]: a voice that remembers what it said. Agents repeat themselves — the greeting, a
//! script's replies, the reminder, the goodbye — and a local neural voice spends a few hundred
//! milliseconds of CPU on each sentence before its first audio. A phrase said before (or prepared
//! with [`TextToSpeech::prepare`] while the phone rings) starts at once.
//!
//! Memory is bounded: phrases longer than [`MAX_PHRASE_CHARS`] are not kept, and the oldest phrases go
//! when the audio kept passes [`MAX_SAMPLES`]. A synthesis that fails or is dropped half-way (barge-in)
//! keeps nothing.

use crate::{AudioStream, SpeechError, TextToSpeech};
use futures_util::StreamExt;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

/// Longest text kept: fixed phrases are short; long texts are rarely said twice.
pub const MAX_PHRASE_CHARS: usize = 400;
/// Audio kept in all: 8 minutes of telephone audio (7.7 MB).
pub const MAX_SAMPLES: usize = 8 * 60 * crate::TELEPHONE_HZ as usize;

/// A [`TextToSpeech`] that replays phrases it has synthesized before.
pub struct PhraseCache<T> {
    voice: T,
    kept: Arc<Mutex<Kept>>,
}

impl<T> PhraseCache<T> {
    pub fn new(voice: T) -> Self {
        Self { voice, kept: Arc::default() }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for PhraseCache<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhraseCache").field("voice", &self.voice).finish_non_exhaustive()
    }
}

/// The phrases kept, oldest first.
#[derive(Default)]
struct Kept {
    audio: HashMap<String, Arc<[Vec<i16>]>>,
    order: VecDeque<String>,
    samples: usize,
}

impl Kept {
    fn insert(&mut self, text: String, chunks: Vec<Vec<i16>>) {
        let samples: usize = chunks.iter().map(Vec::len).sum();
        if samples > MAX_SAMPLES || self.audio.contains_key(&text) {
            return;
        }
        while self.samples + samples > MAX_SAMPLES {
            let Some(oldest) = self.order.pop_front() else { break };
            if let Some(gone) = self.audio.remove(&oldest) {
                self.samples -= gone.iter().map(Vec::len).sum::<usize>();
            }
        }
        self.samples += samples;
        self.order.push_back(text.clone());
        self.audio.insert(text, chunks.into());
    }
}

fn lock(kept: &Mutex<Kept>) -> std::sync::MutexGuard<'_, Kept> {
    kept.lock().unwrap_or_else(PoisonError::into_inner)
}

#[async_trait::async_trait]
impl<T: TextToSpeech> TextToSpeech for PhraseCache<T> {
    fn name(&self) -> &'static str {
        self.voice.name()
    }

    async fn synthesize(&self, text: &str) -> Result<AudioStream, SpeechError> {
        if let Some(chunks) = lock(&self.kept).audio.get(text).cloned() {
            return Ok(Box::pin(futures_util::stream::iter((0..chunks.len()).map(move |i| Ok(chunks[i].clone())))));
        }
        let audio = self.voice.synthesize(text).await?;
        if text.chars().count() > MAX_PHRASE_CHARS {
            return Ok(audio);
        }
        Ok(remembering(audio, text.to_owned(), Arc::clone(&self.kept)))
    }

    async fn prepare(&self, text: &str) {
        if lock(&self.kept).audio.contains_key(text) {
            return;
        }
        if let Ok(mut audio) = self.synthesize(text).await {
            while audio.next().await.is_some() {}
        }
    }
}

/// Passes `audio` on and keeps a copy of it under `text` once it ended without an error.
fn remembering(audio: AudioStream, text: String, kept: Arc<Mutex<Kept>>) -> AudioStream {
    let state = (audio, Some(Vec::new()), text, kept);
    Box::pin(futures_util::stream::unfold(state, |(mut audio, mut copy, text, kept)| async move {
        let next = audio.next().await;
        match &next {
            Some(Ok(chunk)) => copy.iter_mut().for_each(|copy| copy.push(chunk.clone())),
            Some(Err(_)) => copy = None,
            None => {
                if let Some(chunks) = copy.take() {
                    lock(&kept).insert(text.clone(), chunks);
                }
            }
        }
        next.map(|item| (item, (audio, copy, text, kept)))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Says each text as its length in samples, counting syntheses; fails on "boom".
    #[derive(Default)]
    struct Counting(AtomicUsize);

    #[async_trait::async_trait]
    impl TextToSpeech for Counting {
        fn name(&self) -> &'static str {
            "counting"
        }

        async fn synthesize(&self, text: &str) -> Result<AudioStream, SpeechError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            let failing = text == "boom";
            let chunks = [Ok(vec![1i16; text.len()]), Err(SpeechError::Io("broken".into()))];
            let n = if failing { 2 } else { 1 };
            Ok(Box::pin(futures_util::stream::iter(chunks.into_iter().take(n))))
        }
    }

    async fn collect(voice: &PhraseCache<Counting>, text: &str) -> Vec<Result<Vec<i16>, SpeechError>> {
        voice.synthesize(text).await.unwrap().collect().await
    }

    #[tokio::test]
    async fn a_phrase_said_once_is_replayed_without_synthesis() {
        let voice = PhraseCache::new(Counting::default());
        let first = collect(&voice, "Hello there.").await;
        let second = collect(&voice, "Hello there.").await;
        assert_eq!(first, second);
        assert_eq!(voice.voice.0.load(Ordering::SeqCst), 1);
        collect(&voice, "Something else.").await;
        assert_eq!(voice.voice.0.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn prepared_phrases_are_ready_and_failures_or_halves_are_not_kept() {
        let voice = PhraseCache::new(Counting::default());
        voice.prepare("Good evening.").await;
        voice.prepare("Good evening.").await;
        collect(&voice, "Good evening.").await;
        assert_eq!(voice.voice.0.load(Ordering::SeqCst), 1);

        collect(&voice, "boom").await;
        collect(&voice, "boom").await;
        assert_eq!(voice.voice.0.load(Ordering::SeqCst), 3, "a failed synthesis is not kept");

        drop(voice.synthesize("cut short").await.unwrap()); // dropped before its end, as on barge-in
        collect(&voice, "cut short").await;
        assert_eq!(voice.voice.0.load(Ordering::SeqCst), 5);
    }

    #[test]
    fn the_oldest_phrases_make_room() {
        let mut kept = Kept::default();
        kept.insert("a".into(), vec![vec![0; MAX_SAMPLES / 2]]);
        kept.insert("b".into(), vec![vec![0; MAX_SAMPLES / 2]]);
        kept.insert("c".into(), vec![vec![0; 10]]);
        assert!(!kept.audio.contains_key("a") && kept.audio.contains_key("b") && kept.audio.contains_key("c"));
        assert_eq!(kept.samples, MAX_SAMPLES / 2 + 10);
        kept.insert("huge".into(), vec![vec![0; MAX_SAMPLES + 1]]);
        assert!(!kept.audio.contains_key("huge"));
    }
}
