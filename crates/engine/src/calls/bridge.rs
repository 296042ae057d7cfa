//! Two answered legs talking to each other through agentline: each 20 ms frame one leg hears
//! is played on the other. Both media sessions keep pacing, jitter buffering and recording as
//! they do for the agent, so the caller's recording holds both sides of the bridged call.

use crate::media::MediaLink;
use tokio::task::JoinHandle;

/// Connects the two legs' audio until either stops.
pub(crate) fn connect(a: MediaLink, b: MediaLink) -> JoinHandle<()> {
    tokio::spawn(async move {
        let (MediaLink { control: to_a, ticks: mut from_a }, MediaLink { control: to_b, ticks: mut from_b }) = (a, b);
        // Each frame is an utterance of its own; ids only need to differ.
        let mut id = 0_u64;
        loop {
            id += 1;
            tokio::select! {
                tick = from_a.recv() => match tick {
                    Some(tick) => to_b.relay(id, tick.heard.to_vec()),
                    None => break,
                },
                tick = from_b.recv() => match tick {
                    Some(tick) => to_a.relay(id, tick.heard.to_vec()),
                    None => break,
                },
            }
        }
    })
}
