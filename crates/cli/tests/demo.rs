//! The newcomer's demo, run as a person runs it: the real binary in a pseudo-terminal
//! (util-linux `script`), on a fresh embedded database. It must finish a sandbox call and
//! exit 0 with a readable display: the five steps, the call's progress on one line, the
//! final call, and the curl lines.

use std::process::Command;

#[test]
fn the_demo_completes_a_sandbox_call_in_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let binary = env!("CARGO_BIN_EXE_agentline");
    let output = Command::new("script")
        .args(["--quiet", "--return", "--command", &format!("{binary} demo"), "/dev/null"])
        .env("AGENTLINE_DATA_DIR", dir.path())
        .env("AGENTLINE_BIND", "127.0.0.1:0")
        .env("AGENTLINE_SANDBOX__SPEED", "5")
        .env("AGENTLINE_LOG", "warn")
        .env("TERM", "xterm")
        .output()
        .expect("util-linux `script` runs the demo in a pseudo-terminal");
    let screen = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "the demo failed:\n{screen}\n{}", String::from_utf8_lossy(&output.stderr));
    for step in 1..=5 {
        assert!(screen.contains(&format!("[{step}/5]")), "step {step} missing:\n{screen}");
    }
    let progress = screen
        .lines()
        .find(|l| l.contains("completed (") && l.contains("->"))
        .unwrap_or_else(|| panic!("no progress line:\n{screen}"));
    assert!(progress.contains("->"), "the status changes share one line: {progress}");
    assert!(screen.contains("\"end_reason\": \"caller_hangup\""), "{screen}");
    assert!(screen.contains("curl -s http://127.0.0.1:"), "{screen}");
    assert!(screen.lines().count() < 60, "a display, not a log dump: {} lines", screen.lines().count());
    assert!(dir.path().join("agentline.sqlite").exists(), "the embedded default database was used");
}
