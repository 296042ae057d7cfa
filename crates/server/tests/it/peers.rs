//! Real SIP peers for the telephony tests: SIPp (scripted callee) and baresip (a softphone),
//! as installed by scripts/install-deps.sh. Every process is bounded by a timeout and killed
//! when dropped; each test gets its own ports.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;
use tokio::process::{Child, Command};

/// Ports for one test: SIP, RTP and control ports of its peer, and an RTP range for our server.
/// Below the ephemeral range, so client sockets never take them.
pub(crate) struct Ports {
    pub sip: u16,
    pub media: u16,
    pub control: u16,
    pub rtp_min: u16,
}

pub(crate) fn ports() -> Ports {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let i = NEXT.fetch_add(1, Ordering::Relaxed);
    Ports { sip: 15060 + i * 10, media: 16000 + i * 10, control: 17000 + i * 10, rtp_min: 20000 + i * 100 }
}

fn peers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers")
}

/// Test prompts (espeak-ng → sox), made once per test run.
pub(crate) struct Audio {
    pub dir: PathBuf,
}

impl Audio {
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

pub(crate) fn audio() -> &'static Audio {
    static AUDIO: OnceLock<Audio> = OnceLock::new();
    AUDIO.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("agentline-peers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = format!(
            "set -e; cd {dir}; \
             espeak-ng -w callee22k.wav 'Hello, this is the test callee. Please say something after the beep. One two three four five.'; \
             sox callee22k.wav -r 8000 -c 1 -b 16 -e signed-integer callee8k.wav; \
             sox callee8k.wav -t raw -e mu-law -b 8 callee.ulaw; \
             sox callee8k.wav -t raw -e a-law -b 8 callee.alaw; \
             sox -n -r 8000 -c 1 -b 16 -e signed-integer silence8k.wav trim 0 30",
            dir = dir.display()
        );
        let status = std::process::Command::new("sh").arg("-c").arg(&script).status().expect("sh runs");
        assert!(status.success(), "making test audio needs espeak-ng and sox (scripts/install-deps.sh)");
        Audio { dir }
    })
}

/// A running SIPp callee.
pub(crate) struct Sipp {
    child: Child,
    pub out: PathBuf,
}

impl Sipp {
    /// Starts `scenario` (a file in tests/peers/sipp) as a UAS on `ports`, with `-key` pairs
    /// and extra arguments, and waits until it listens.
    pub(crate) async fn uas(scenario: &str, ports: &Ports, keys: &[(&str, &str)], extra: &[&str]) -> Self {
        let out = std::env::temp_dir().join(format!("sipp-{}-{}.log", std::process::id(), ports.sip));
        let mut command = Command::new("timeout");
        command.arg("60").arg("sipp").arg("-sf").arg(peers_dir().join("sipp").join(scenario));
        for arg in ["-i", "127.0.0.1", "-mi", "127.0.0.1", "-nostdin"] {
            command.arg(arg);
        }
        if !extra.contains(&"-m") {
            command.args(["-m", "1"]);
        }
        command.args([
            "-p",
            &ports.sip.to_string(),
            "-mp",
            &ports.media.to_string(),
            "-cp",
            &ports.control.to_string(),
        ]);
        for (key, value) in keys {
            command.args(["-key", key, value]);
        }
        command.args(extra).arg("-trace_err").arg("-error_file").arg(out.with_extension("err"));
        let log = std::fs::File::create(&out).unwrap();
        command.stdin(Stdio::null()).stdout(log.try_clone().unwrap()).stderr(log).kill_on_drop(true);
        let child = command.spawn().expect("sipp runs (scripts/install-deps.sh installs sip-tester)");
        if extra.contains(&"t1") {
            wait_for_tcp(ports.sip).await;
        } else {
            wait_for_udp(ports.sip).await;
        }
        Self { child, out }
    }

    /// SIPp's exit code once its scenario ends (0: the call went as scripted).
    pub(crate) async fn finish(mut self) -> i32 {
        let status = tokio::time::timeout(Duration::from_secs(60), self.child.wait()).await;
        let code = status.ok().and_then(Result::ok).and_then(|s| s.code()).unwrap_or(-1);
        if code != 0 {
            let log = std::fs::read_to_string(self.out.with_extension("err")).unwrap_or_default();
            eprintln!("sipp exited {code}; errors:\n{log}");
        }
        code
    }
}

/// A running baresip that auto-answers as `callee`, plays `source` and records both directions.
pub(crate) struct Baresip {
    child: Child,
    pub log: PathBuf,
    pub console: u16,
}

impl Baresip {
    /// baresip answers only calls whose Request-URI user is its account's user: `number`.
    pub(crate) async fn callee(ports: &Ports, number: &str, source: &Path, dir: &Path) -> Self {
        let recordings = dir.join("rec");
        let config_dir = dir.join("baresip");
        std::fs::create_dir_all(&recordings).unwrap();
        std::fs::create_dir_all(&config_dir).unwrap();
        let template = std::fs::read_to_string(peers_dir().join("baresip/config")).unwrap();
        let config = template
            .replace("@SIP_PORT@", &ports.sip.to_string())
            .replace("@RTP_MIN@", &ports.media.to_string())
            .replace("@RTP_MAX@", &(ports.media + 9).to_string())
            .replace("@SOURCE@", &source.display().to_string())
            .replace("@RECORDINGS@", &recordings.display().to_string())
            .replace("@CONSOLE_PORT@", &ports.control.to_string());
        std::fs::write(config_dir.join("config"), config).unwrap();
        let accounts = format!(
            "<sip:{number}@127.0.0.1:{};transport=udp>;regint=0;answermode=auto;audio_codecs=PCMU,PCMA;ptime=20\n",
            ports.sip
        );
        std::fs::write(config_dir.join("accounts"), accounts).unwrap();
        let log = dir.join("baresip.log");
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new("timeout")
            .args(["60", "baresip", "-f"])
            .arg(&config_dir)
            .args(["-t", "55"])
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .kill_on_drop(true)
            .spawn()
            .expect("baresip runs (scripts/install-deps.sh installs baresip-core)");
        wait_for_udp(ports.sip).await;
        Self { child, log, console: ports.control }
    }

    /// Presses `digit` on baresip's keypad (its UDP console), releasing the key after 120 ms.
    pub(crate) async fn press(&self, digit: char) {
        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let console = ("127.0.0.1", self.console);
        socket.send_to(digit.to_string().as_bytes(), console).await.unwrap();
        tokio::time::sleep(Duration::from_millis(120)).await;
        socket.send_to(&[0x04], console).await.unwrap();
        tokio::time::sleep(Duration::from_millis(150)).await;
    }

    pub(crate) fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops baresip cleanly (SIGINT), which completes its WAV recordings.
    pub(crate) async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            // `timeout` forwards the signal to baresip.
            let _ = std::process::Command::new("kill").args(["-INT", &pid.to_string()]).status();
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
    }

    /// The file baresip recorded under `dir` of what it received (`*-dec.wav`).
    pub(crate) fn received_recording_in(dir: &Path) -> Option<PathBuf> {
        std::fs::read_dir(dir.join("rec"))
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with("-dec.wav"))
    }
}

/// Waits until something listens on UDP `port` of 127.0.0.1 (binding it fails).
async fn wait_for_udp(port: u16) {
    for _ in 0..200 {
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("nothing listens on UDP {port}");
}

/// Waits until something accepts TCP connections on `port` of 127.0.0.1.
async fn wait_for_tcp(port: u16) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("nothing listens on TCP {port}");
}

/// Reads a WAV file's samples of one channel.
pub(crate) fn wav_channel(path: &Path, channel: usize) -> Vec<i16> {
    let mut reader = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let channels = reader.spec().channels as usize;
    let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    samples.into_iter().skip(channel).step_by(channels).collect()
}

/// Where `needle` occurs in `haystack` with every sample within `tolerance`, if anywhere.
pub(crate) fn find_audio(haystack: &[i16], needle: &[i16], tolerance: i32) -> Option<usize> {
    if needle.len() > haystack.len() {
        return None;
    }
    (0..=haystack.len() - needle.len()).find(|&offset| {
        needle.iter().zip(&haystack[offset..]).all(|(a, b)| (i32::from(*a) - i32::from(*b)).abs() <= tolerance)
    })
}
