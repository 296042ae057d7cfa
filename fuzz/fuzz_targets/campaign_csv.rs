//! Arbitrary text as a campaign's CSV upload: checking it never panics, an error that names a
//! line names one of the upload's, and accepted rows are no more than the upload's lines.
#![no_main]

use agentline_domain::campaign::rows::check_csv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The CSV reader ends a record at `\n`, `\r\n` or a lone `\r` (old Mac files): count each.
    let lines = text.split(['\n', '\r']).count() + 1;
    match check_csv(text) {
        Ok(rows) => assert!(rows.len() <= lines),
        Err(errors) => {
            assert!(!errors.is_empty());
            // An error is about one line of the upload, or (with no line) about the whole of it.
            for line in errors.iter().filter_map(|error| error.line) {
                assert!((1..=lines as u64).contains(&line), "line {line} of {lines}");
            }
        }
    }
});
