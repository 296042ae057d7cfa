//! The sandbox carrier's driver: plays the magic number's script (domain::sandbox) in time.

use super::carrier::{CarrierControl, CarrierSignal, DialedCall};
use agentline_domain::sandbox::{SandboxStep, script_for};
use tokio::sync::mpsc;

/// Dials the sandbox callee at `to`; its script runs `speed` times faster than real time.
pub(crate) fn dial(to: &str, speed: f64) -> DialedCall {
    let (signal_tx, signals) = mpsc::channel(8);
    let (controls, mut control_rx) = mpsc::channel(4);
    let script = script_for(to);
    tokio::spawn(async move {
        for (wait, step) in script {
            tokio::select! {
                () = tokio::time::sleep(wait.div_f64(speed)) => {}
                // Canceled or hung up by us: the callee simply goes away.
                _ = control_rx.recv() => return,
            }
            let signal = match step {
                SandboxStep::Ring => CarrierSignal::Ringing,
                SandboxStep::Answer => CarrierSignal::Answered,
                SandboxStep::End(reason, detail) => CarrierSignal::Ended { reason, detail: detail.to_owned() },
            };
            if signal_tx.send(signal).await.is_err() {
                return;
            }
        }
        // The script is over but the callee stays on the line until we end the call.
        let _: Option<CarrierControl> = control_rx.recv().await;
    });
    DialedCall { signals, controls }
}
