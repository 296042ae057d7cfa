//! Preparing audio for the model: cutting long audio at quiet points, so that no piece is longer than 20 s
//! (Moonshine's accuracy drops and ONNX Runtime's memory arena grows with the length of one input), trimming
//! quiet edges, and choosing where to split a piece the model returned nothing for.

use std::ops::Range;

/// Samples per second of the audio the model takes.
pub(crate) const SAMPLE_RATE: usize = 16_000;

/// Where and how to cut.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    /// Audio up to this many samples is one piece.
    pub(crate) max: usize,
    /// A cut falls at least this many samples after the start of its piece.
    pub(crate) min: usize,
    /// Length of the window whose energy is compared.
    pub(crate) window: usize,
    /// Distance between the windows compared.
    pub(crate) step: usize,
    /// The piece after the last cut is at least this long.
    pub(crate) min_tail: usize,
}

impl Plan {
    /// Pieces of at most 20 s, cut at the quietest 100 ms (looked at every 10 ms) between 15 and 20 s.
    pub(crate) const DEFAULT: Plan = Plan {
        max: 20 * SAMPLE_RATE,
        min: 15 * SAMPLE_RATE,
        window: SAMPLE_RATE / 10,
        step: SAMPLE_RATE / 100,
        min_tail: SAMPLE_RATE,
    };
}

/// Contiguous ranges covering all of `pcm`, each at most `plan.max` samples long. Audio no longer than
/// `plan.max` is one range (none if empty). Otherwise each cut falls in the middle of the window of
/// `plan.window` samples with the least energy between `plan.min` and `plan.max` after the piece's start
/// (earliest one on ties), never leaving less than `plan.min_tail` samples after it.
pub(crate) fn split(pcm: &[i16], plan: Plan) -> Vec<Range<usize>> {
    debug_assert!(plan.window > 0 && plan.step > 0 && plan.min + plan.window + plan.min_tail <= plan.max);
    let mut pieces = Vec::new();
    let mut start = 0;
    while pcm.len() - start > plan.max {
        // Windows lie wholly inside [start + min, end); the cut (a window's middle) is then ≤ start + max.
        let end = (start + plan.max).min(pcm.len() - plan.min_tail);
        let cut = quietest_window(&pcm[start + plan.min..end], plan.window, plan.step)
            .map_or(end, |offset| start + plan.min + offset + plan.window / 2);
        pieces.push(start..cut);
        start = cut;
    }
    if start < pcm.len() {
        pieces.push(start..pcm.len());
    }
    pieces
}

/// Silence kept either side of the speech by [`trim_quiet`].
const MARGIN: usize = SAMPLE_RATE / 2;
/// Frame length of [`trim_quiet`]'s level measurement (10 ms).
const FRAME: usize = SAMPLE_RATE / 100;
/// A frame is quiet below the loudest frame's RMS times this (-35 dB)…
const RELATIVE_QUIET: f64 = 0.0178;
/// …or below this RMS (-60 dBFS), whichever is higher.
const ABSOLUTE_QUIET: f64 = 32.8;

/// The part of `pcm` from 0.5 s before its first to 0.5 s after its last loud 10 ms frame; empty if no frame is
/// loud. Moonshine tends to return nothing for a phrase followed by a second or more of silence.
pub(crate) fn trim_quiet(pcm: &[i16]) -> Range<usize> {
    let rms =
        |frame: &[i16]| (frame.iter().map(|&s| f64::from(s) * f64::from(s)).sum::<f64>() / frame.len() as f64).sqrt();
    let levels: Vec<f64> = pcm.chunks(FRAME).map(rms).collect();
    let peak = levels.iter().copied().fold(0.0, f64::max);
    let threshold = (peak * RELATIVE_QUIET).max(ABSOLUTE_QUIET);
    let (Some(first), Some(last)) =
        (levels.iter().position(|&l| l >= threshold), levels.iter().rposition(|&l| l >= threshold))
    else {
        return 0..0;
    };
    (first * FRAME).saturating_sub(MARGIN)..((last + 1) * FRAME + MARGIN).min(pcm.len())
}

/// Pieces at least this long are split in two when the model returns nothing for them.
pub(crate) const RETRY_MIN: usize = 4 * SAMPLE_RATE;

/// Where to split a piece the model returned nothing for: the middle of its quietest 100 ms within the middle
/// half. `None` if it is shorter than [`RETRY_MIN`]. (Moonshine base-en sometimes returns an empty text for
/// 6–10 s of several sentences that it transcribes well one by one.)
pub(crate) fn retry_cut(pcm: &[i16]) -> Option<usize> {
    if pcm.len() < RETRY_MIN {
        return None;
    }
    let (from, to) = (pcm.len() / 4, pcm.len() * 3 / 4);
    let window = Plan::DEFAULT.window;
    quietest_window(&pcm[from..to], window, Plan::DEFAULT.step).map(|offset| from + offset + window / 2)
}

/// Offset of the first `window`-sample window, among those starting every `step` samples, with the least energy.
fn quietest_window(pcm: &[i16], window: usize, step: usize) -> Option<usize> {
    let energy = |w: &[i16]| w.iter().map(|&s| i64::from(s) * i64::from(s)).sum::<i64>();
    (0..=pcm.len().checked_sub(window)?)
        .step_by(step)
        .map(|offset| (energy(&pcm[offset..offset + window]), offset))
        .min()
        .map(|(_, offset)| offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: usize = SAMPLE_RATE;

    /// A loud square wave with silent gaps at the given (start, end) seconds.
    fn loud_with_gaps(seconds: f64, gaps: &[(f64, f64)]) -> Vec<i16> {
        let at = |t: f64| (t * S as f64) as usize;
        let mut pcm: Vec<i16> = (0..at(seconds)).map(|i| if (i / 20) % 2 == 0 { 8000 } else { -8000 }).collect();
        for &(from, to) in gaps {
            pcm[at(from)..at(to)].fill(0);
        }
        pcm
    }

    fn assert_covers(pieces: &[Range<usize>], len: usize, max: usize) {
        assert_eq!(pieces.first().map(|p| p.start), Some(0));
        assert_eq!(pieces.last().map(|p| p.end), Some(len));
        for pair in pieces.windows(2) {
            assert_eq!(pair[0].end, pair[1].start, "{pieces:?}");
        }
        for piece in pieces {
            assert!(!piece.is_empty() && piece.len() <= max, "{piece:?} of {pieces:?}");
        }
    }

    #[test]
    fn short_audio_is_one_piece() {
        assert!(split(&[], Plan::DEFAULT).is_empty());
        assert_eq!(split(&[1, 2, 3], Plan::DEFAULT), vec![0..3]);
        let twenty = vec![100; 20 * S];
        assert_eq!(split(&twenty, Plan::DEFAULT), vec![0..20 * S]);
    }

    #[test]
    fn cuts_in_the_pauses() {
        // Pauses at 16.5 s and 33 s (both 15–20 s after the previous cut) and a decoy at 10 s (too early).
        let pcm = loud_with_gaps(45.0, &[(10.0, 10.5), (16.5, 16.8), (33.0, 33.3)]);
        let pieces = split(&pcm, Plan::DEFAULT);
        assert_covers(&pieces, pcm.len(), 20 * S);
        assert_eq!(pieces.len(), 3, "{pieces:?}");
        for (cut, (from, to)) in [(pieces[0].end, (16.5, 16.8)), (pieces[1].end, (33.0, 33.3))] {
            let secs = cut as f64 / S as f64;
            assert!(secs > from && secs < to, "cut at {secs} s, pause is {from}–{to} s");
            assert_eq!(pcm[cut], 0);
        }
    }

    #[test]
    fn picks_the_quietest_not_the_first_quiet_point() {
        let mut pcm = loud_with_gaps(30.0, &[]);
        // A merely quieter stretch at 15.5 s and true silence at 18 s.
        pcm[(15.5 * S as f64) as usize..16 * S].iter_mut().for_each(|s| *s /= 8);
        pcm[18 * S..(18.2 * S as f64) as usize].fill(0);
        let pieces = split(&pcm, Plan::DEFAULT);
        assert_covers(&pieces, pcm.len(), 20 * S);
        let cut = pieces[0].end as f64 / S as f64;
        assert!((18.0..18.2).contains(&cut), "cut at {cut} s");
    }

    #[test]
    fn no_pause_still_caps_the_length() {
        let pcm = vec![5000; 61 * S];
        let pieces = split(&pcm, Plan::DEFAULT);
        assert_covers(&pieces, pcm.len(), 20 * S);
        // Equal energy everywhere: the earliest window wins, so pieces are 15 s plus half a window.
        assert_eq!(pieces[0], 0..15 * S + S / 20);
        assert_eq!(pieces.len(), 4);
    }

    #[test]
    fn the_tail_is_not_a_sliver() {
        // Just over the limit, with the only silence right at the end: the cut keeps ≥ 1 s after it.
        let mut pcm = loud_with_gaps(20.05, &[]);
        let len = pcm.len();
        pcm[len - S / 20..].fill(0);
        let pieces = split(&pcm, Plan::DEFAULT);
        assert_covers(&pieces, len, 20 * S);
        assert_eq!(pieces.len(), 2);
        assert!(pieces[1].len() >= S, "{pieces:?}");
    }

    #[test]
    fn trims_quiet_edges_with_a_margin() {
        let pcm = loud_with_gaps(6.0, &[(0.0, 2.0), (4.0, 6.0)]);
        assert_eq!(trim_quiet(&pcm), S * 3 / 2..S * 9 / 2);
        // Quiet relative to the peak counts as quiet too (here -40 dB), and the margin stops at the ends.
        let mut pcm = loud_with_gaps(3.0, &[]);
        pcm[S..].iter_mut().for_each(|s| *s /= 100);
        assert_eq!(trim_quiet(&pcm), 0..S + MARGIN);
        let pcm = loud_with_gaps(1.0, &[]);
        assert_eq!(trim_quiet(&pcm), 0..pcm.len());
    }

    #[test]
    fn silence_trims_to_nothing() {
        assert_eq!(trim_quiet(&[]), 0..0);
        assert_eq!(trim_quiet(&vec![0; 3 * S]), 0..0);
        // Faint hiss (RMS 20, about -64 dBFS) is silence too; a -35 dB quieter tail of speech is not.
        let hiss: Vec<i16> = (0..3 * S).map(|i| if i % 2 == 0 { 20 } else { -20 }).collect();
        assert_eq!(trim_quiet(&hiss), 0..0);
        let soft: Vec<i16> = (0..3 * S).map(|i| if i % 2 == 0 { 200 } else { -200 }).collect();
        assert_eq!(trim_quiet(&soft), 0..soft.len());
    }

    #[test]
    fn retries_split_in_the_middle_half_at_the_quietest_point() {
        assert_eq!(retry_cut(&vec![100; RETRY_MIN - 1]), None);
        // 8 s with pauses at 1 s (outside the middle half) and 5 s.
        let pcm = loud_with_gaps(8.0, &[(1.0, 1.5), (5.0, 5.2)]);
        let cut = retry_cut(&pcm).unwrap() as f64 / S as f64;
        assert!((5.0..5.2).contains(&cut), "cut at {cut} s");
        // No pause at all: still a cut, inside the middle half.
        let cut = retry_cut(&vec![100; 8 * S]).unwrap();
        assert!((2 * S..6 * S).contains(&cut));
    }

    #[test]
    fn small_plans_work_too() {
        let plan = Plan { max: 10, min: 4, window: 2, step: 1, min_tail: 1 };
        let pcm = [9, 9, 9, 9, 9, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9];
        let pieces = split(&pcm, plan);
        assert_eq!(pieces[0], 0..6);
        assert_covers(&pieces, pcm.len(), 10);
    }
}
