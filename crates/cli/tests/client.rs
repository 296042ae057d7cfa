//! The API client commands (`agentline calls|agents|numbers|contacts|keys|webhooks …`) against a
//! real server: the binary serving on a free port with a fresh SQLite database and a fast
//! sandbox, driven as a script drives it (exit codes, `--json`) and as a person reads it (tables).

use serde_json::Value;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_agentline");

struct Server {
    child: Child,
    url: String,
    key: String,
    admin: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let env = |cmd: &mut Command| {
        cmd.env("AGENTLINE_DATA_DIR", dir.path())
            .env("AGENTLINE_BIND", format!("127.0.0.1:{port}"))
            .env("AGENTLINE_SANDBOX__SPEED", "10")
            .env("AGENTLINE_LOG", "warn")
            .env_remove("AGENTLINE_DATABASE_URL")
            .env_remove("AGENTLINE_CONFIG");
    };
    let mut bootstrap = Command::new(BIN);
    env(&mut bootstrap);
    let made = bootstrap.args(["bootstrap", "--account", "CLI tests", "--json"]).output().unwrap();
    assert!(made.status.success(), "bootstrap: {}", String::from_utf8_lossy(&made.stderr));
    let made: Value = serde_json::from_slice(&made.stdout).unwrap();
    let mut serve = Command::new(BIN);
    env(&mut serve);
    let child = serve.arg("serve").stdout(std::process::Stdio::null()).spawn().unwrap();
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(120), "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        key: made["test_api_key"].as_str().unwrap().to_owned(),
        admin: made["admin_token"].as_str().unwrap().to_owned(),
        _dir: dir,
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}\n{}", self.stdout, self.stderr))
    }
    fn ok(self) -> Self {
        assert_eq!(self.code, 0, "stdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
}

impl Server {
    /// Runs `agentline ARGS` with the server and key in the environment, as a user sets them.
    fn run(&self, args: &[&str]) -> Run {
        self.run_as(&self.key, args)
    }
    fn run_as(&self, key: &str, args: &[&str]) -> Run {
        let out: Output = Command::new(BIN)
            .args(args)
            .env("AGENTLINE_URL", &self.url)
            .env("AGENTLINE_API_KEY", key)
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

#[test]
fn the_cli_drives_every_resource_of_a_real_server() {
    let s = server();

    // An agent and its caller-ID number, in JSON for scripts.
    let agent =
        s.run(&["agents", "create", "--name", "Riley", "--first-message", "Hi {{name}}!", "--json"]).ok().json();
    let agent_id = agent["id"].as_str().unwrap().to_owned();
    assert!(agent_id.starts_with("agt_"), "{agent}");
    let number = s
        .run(&[
            "numbers",
            "create",
            "--phone-number",
            "+14155550150",
            "--agent",
            &agent_id,
            "--label",
            "desk",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(number["agent_id"], agent_id.as_str());

    // create --wait --json: progress on stderr, the ended call on stdout.
    let done = s
        .run(&[
            "calls",
            "create",
            "--agent",
            &agent_id,
            "--to",
            "+14155550100",
            "--var",
            "name=Ada",
            "--wait",
            "--json",
        ])
        .ok();
    let call = done.json();
    assert_eq!(call["status"], "completed", "{call}");
    assert_eq!(call["end_reason"], "caller_hangup");
    assert!(done.stderr.contains("status: completed"), "progress is shown live:\n{}", done.stderr);
    let call_id = call["id"].as_str().unwrap().to_owned();

    // get, wait on an ended call, events, transcript, in both forms.
    assert_eq!(s.run(&["calls", "get", &call_id, "--json"]).ok().json()["id"], call_id.as_str());
    let table = s.run(&["calls", "get", &call_id]).ok();
    assert!(table.stdout.lines().any(|l| l.starts_with("status") && l.contains("completed")), "{}", table.stdout);
    assert_eq!(s.run(&["calls", "wait", &call_id, "--json"]).ok().json()["status"], "completed");
    let events = s.run(&["calls", "events", &call_id]).ok();
    assert!(events.stdout.contains("call.queued") && events.stdout.contains("call.completed"), "{}", events.stdout);
    let transcript = s.run(&["calls", "transcript", &call_id, "--json"]).ok().json();
    assert_eq!(transcript["call_id"], call_id.as_str());
    assert!(transcript["turns"].is_array());
    s.run(&["calls", "transcript", &call_id]).ok();
    // A sped-up sandbox call carries no audio, so no recording: exit 3 and the API's code.
    let recording = s.run(&["calls", "recording", &call_id, "-o", "-"]);
    assert!(
        recording.code == 0 || (recording.code == 3 && recording.stderr.contains("recording_not_found")),
        "{}",
        recording.stderr
    );

    // Waiting gives up with exit code 7; ending works once, then the API's 409 is exit code 1.
    let staying = s.run(&["calls", "create", "--agent", &agent_id, "--to", "+14155550107", "--json"]).ok().json();
    let staying = staying["id"].as_str().unwrap().to_owned();
    let timeout = s.run(&["calls", "wait", &staying, "--timeout", "1"]);
    assert_eq!(timeout.code, 7, "{}", timeout.stderr);
    s.run(&["calls", "end", &staying]).ok();
    let again = s.run(&["calls", "end", &staying, "--json"]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert_eq!(again.json()["error"]["code"], "call_already_ended");

    // Lists page: one page with a cursor, the next after it, or every page with --all.
    for i in 0..3 {
        s.run(&["contacts", "create", "--phone-number", &format!("+1628555010{i}"), "--lead-status", "cli"]).ok();
    }
    let first = s.run(&["contacts", "list", "--limit", "2", "--lead-status", "cli", "--json"]).ok().json();
    assert_eq!(first["data"].as_array().unwrap().len(), 2);
    assert_eq!(first["has_more"], true);
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let rest =
        s.run(&["contacts", "list", "--limit", "2", "--lead-status", "cli", "--after", &cursor, "--json"]).ok().json();
    assert_eq!(rest["data"].as_array().unwrap().len(), 1);
    assert_eq!(rest["has_more"], false);
    let all =
        s.run(&["contacts", "list", "--limit", "1", "--all", "--filter", "lead_status=cli", "--json"]).ok().json();
    assert_eq!(all["data"].as_array().unwrap().len(), 3);
    let people = s.run(&["contacts", "list", "--limit", "2"]).ok();
    assert!(people.stdout.starts_with("ID") && people.stdout.contains("PHONE NUMBER"), "{}", people.stdout);
    assert!(people.stderr.contains("--after"), "the next page is pointed at: {}", people.stderr);
    let calls = s.run(&["calls", "list", "--status", "completed"]).ok();
    assert!(calls.stdout.contains(&call_id), "{}", calls.stdout);

    // Errors say what went wrong in the exit code.
    let missing = s.run(&["calls", "get", &format!("call_{}", "0".repeat(32))]);
    assert_eq!(missing.code, 3, "{}", missing.stderr);
    assert!(missing.stderr.contains("not_found"), "{}", missing.stderr);
    let invalid = s.run(&["calls", "create", "--agent", &agent_id, "--to", "555-1234"]);
    assert_eq!(invalid.code, 1, "{}", invalid.stderr);
    assert!(invalid.stderr.contains("invalid_phone_number"), "{}", invalid.stderr);
    assert_eq!(s.run_as("al_test_wrong", &["agents", "list"]).code, 4);
    assert_eq!(s.run(&["keys", "list"]).code, 4, "keys need the admin token");
    assert_eq!(s.run_as("", &["agents", "list"]).code, 2, "no key is a usage error");
    assert_eq!(s.run(&["agents", "list", "--url", "http://127.0.0.1:9"]).code, 6, "unreachable");
    assert_eq!(s.run(&["calls", "create", "--to", "+14155550100"]).code, 2, "a missing flag");

    // Keys with the admin token; the new test key works.
    let key =
        s.run_as(&s.admin, &["keys", "create", "--name", "ci", "--mode", "test", "--scope", "agents:read", "--json"]);
    let key = key.ok().json();
    let secret = key["key"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("al_test_"));
    assert!(s.run_as(&secret, &["agents", "list"]).ok().stdout.contains("Riley"));
    s.run_as(&s.admin, &["keys", "revoke", key["id"].as_str().unwrap()]).ok();
    assert_eq!(s.run_as(&secret, &["agents", "list"]).code, 4);

    // Agents update and delete; webhook endpoints; `webhooks verify` still works beside them.
    let renamed = s.run(&["agents", "update", &agent_id, "--set", "name=Riley 2", "--json"]).ok().json();
    assert_eq!(renamed["name"], "Riley 2");
    let endpoint = s.run(&[
        "webhooks",
        "create",
        "--endpoint-url",
        "https://example.com/hook",
        "--event",
        "call.completed",
        "--json",
    ]);
    let endpoint = endpoint.ok().json();
    assert!(endpoint["secret"].as_str().unwrap().starts_with("whsec_"));
    let endpoint_id = endpoint["id"].as_str().unwrap();
    assert!(s.run(&["webhooks", "list"]).ok().stdout.contains(endpoint_id));
    assert_eq!(s.run(&["webhooks", "secret", endpoint_id, "--json"]).ok().json()["secret"], endpoint["secret"]);
    s.run(&["webhooks", "delete", endpoint_id]).ok();
    let verify = Command::new(BIN)
        .args(["webhooks", "verify", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
        .args(["--id", "msg_p5jXN8AQM9LWM0D4loKWxJek", "--timestamp", "1614265330", "--now", "1614265330"])
        .args(["--signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "--body-file", "/dev/stdin"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            child.stdin.take().unwrap().write_all(br#"{"test": 2432232314}"#)?;
            child.wait()
        })
        .unwrap();
    assert!(verify.success());
    let deleted = s.run(&["agents", "delete", &agent_id, "--json"]).ok().json();
    assert_eq!(deleted["deleted"], true);
}
