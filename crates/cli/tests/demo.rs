//! The newcomer's demo, run as a person runs it: the real binary in a pseudo-terminal
//! (util-linux `script`), on a fresh embedded database, in real time. It must finish a sandbox
//! conversation and exit 0 with a readable display: the five steps, the call's progress and
//! live transcript, the final call with its analysis and recording, and the curl lines.

use std::process::Command;

#[test]
fn the_demo_completes_a_sandbox_call_in_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let binary = env!("CARGO_BIN_EXE_agentline");
    let output = Command::new("script")
        .args(["--quiet", "--return", "--command", &format!("{binary} demo"), "/dev/null"])
        .env("AGENTLINE_DATA_DIR", dir.path())
        .env("AGENTLINE_BIND", "127.0.0.1:0")
        .env("AGENTLINE_LOG", "warn")
        .env("TERM", "xterm")
        .output()
        .expect("util-linux `script` runs the demo in a pseudo-terminal");
    let screen = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "the demo failed:\n{screen}\n{}", String::from_utf8_lossy(&output.stderr));
    for step in 1..=5 {
        assert!(screen.contains(&format!("[{step}/5]")), "step {step} missing:\n{screen}");
    }
    for status in ["ringing", "in_progress", "completed"] {
        let shown = screen.lines().any(|l| l.contains("status:") && l.contains(status));
        assert!(shown, "status {status} missing:\n{screen}");
    }
    let said = |who: &str| screen.lines().filter(|l| l.contains(who)).count();
    assert!(said("Agent ") >= 2 && said("Callee") >= 2, "the live transcript shows both parties:\n{screen}");
    assert!(screen.contains("Riley from Demo Dental"), "the greeting is in the transcript:\n{screen}");
    assert!(screen.contains("\"recording_path\": \"") && screen.contains(".wav\""), "{screen}");
    // No model in the demo: the analysis says why it did not run rather than invent a summary.
    assert!(screen.contains("\"analysis\": \"skipped: no model configured"), "{screen}");
    assert!(screen.contains("curl -s http://127.0.0.1:"), "{screen}");
    // 59 lines on a quiet machine; a loaded one may also catch the brief `answered` status.
    assert!(screen.lines().count() <= 61, "a display, not a log dump: {} lines\n{screen}", screen.lines().count());
    assert!(dir.path().join("agentline.sqlite").exists(), "the embedded default database was used");
}
