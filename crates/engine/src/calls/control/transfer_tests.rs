//! Transfers on scripted timelines: REFER accepted, refused (bridge), warm with a whisper,
//! a target that does not answer, and the ends of a bridged call.

use super::*;
use crate::calls::transfer::{TargetSignal, TransferOrder, TransferStep};
use agentline_domain::PhoneNumber;
use agentline_domain::transfer::{TransferFailure, TransferMode, TransferRequest};

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn answered_call(refer: Option<TransferMethod>) -> CallControl {
    let limits = Limits { ring_timeout_secs: 30, max_duration_secs: 600, time_scale: 1.0, live: true, refer };
    let mut control = CallControl::new(limits);
    control.on(
        secs(1.0),
        Input::Answered { media: true, talk_limit: TalkLimit { secs: 600, reason: EndReason::MaxDuration } },
    );
    control
}

fn transfer(mode: TransferMode, whisper: Option<&str>) -> Input {
    let to = PhoneNumber::parse("+14155550100").unwrap();
    Input::Command(CallCommand::Transfer(TransferRequest { to, mode, whisper: whisper.map(str::to_owned) }))
}

fn dial() -> Output {
    Output::Transfer(TransferOrder::DialTarget("+14155550100".to_owned()))
}

fn target(signal: TargetSignal) -> Input {
    Input::Target(signal)
}

fn target_ended(reason: EndReason) -> Input {
    target(TargetSignal::Ended { reason, detail: "486 Busy Here".to_owned() })
}

#[test]
fn a_refer_the_trunk_carries_out_releases_the_call() {
    let mut control = answered_call(Some(TransferMethod::Refer));
    let outputs = control.on(secs(5.0), transfer(TransferMode::Blind, None));
    let refer = CarrierControl::Refer { to: "+14155550100".into(), whisper: None };
    assert_eq!(
        outputs,
        vec![
            Output::TransferStep(TransferStep::Started),
            Output::Transfer(TransferOrder::Hold),
            Output::Control(refer)
        ]
    );
    assert_eq!(
        control.on(secs(5.1), Input::Refer(ReferProgress::Status(100))),
        vec![Output::TransferStep(TransferStep::Progress(100))]
    );
    let outputs = control.on(secs(8.0), Input::Refer(ReferProgress::Status(200)));
    assert_eq!(outputs[1], Output::TransferStep(TransferStep::Connected(TransferMethod::Refer)));
    assert_eq!(outputs[2], Output::Control(CarrierControl::Release));
    assert!(matches!(&outputs[3], Output::Finish { reason: EndReason::Transferred, .. }), "{outputs:?}");
    assert!(control.on(secs(9.0), Input::LegGone).is_empty(), "nothing after the end");
}

#[test]
fn a_refused_refer_falls_back_to_dialling_and_bridging() {
    let mut control = answered_call(Some(TransferMethod::Refer));
    control.on(secs(5.0), transfer(TransferMode::Blind, None));
    let outputs = control.on(secs(5.1), Input::Refer(ReferProgress::Refused("SIP 403".into())));
    assert_eq!(outputs, vec![dial()]);
    assert_eq!(
        control.on(secs(6.0), target(TargetSignal::Ringing)),
        vec![Output::TransferStep(TransferStep::Progress(180))]
    );
    let outputs = control.on(secs(9.0), target(TargetSignal::Answered));
    assert_eq!(
        outputs,
        vec![
            Output::TransferStep(TransferStep::Connected(TransferMethod::Bridge)),
            Output::Transfer(TransferOrder::Bridge)
        ]
    );
    // The caller hangs up later: the call ends transferred, and the target's leg is dropped.
    let outputs = control.on(secs(60.0), Input::LegEnded { reason: EndReason::CallerHangup, detail: "BYE".into() });
    assert_eq!(outputs[0], Output::Transfer(TransferOrder::DropTarget));
    assert!(matches!(&outputs[1], Output::Finish { reason: EndReason::Transferred, .. }), "{outputs:?}");
}

#[test]
fn a_failed_referred_call_gives_the_call_back_to_the_agent() {
    let mut control = answered_call(Some(TransferMethod::Refer));
    control.on(secs(5.0), transfer(TransferMode::Blind, None));
    let outputs = control.on(secs(9.0), Input::Refer(ReferProgress::Status(486)));
    assert!(matches!(outputs[0], Output::TransferStep(TransferStep::Failed(TransferFailure::Busy, _))), "{outputs:?}");
    assert_eq!(outputs[1], Output::Transfer(TransferOrder::TakeBack(TransferFailure::Busy)));
    assert!(control.transfer().is_none(), "another transfer may be tried");
}

#[test]
fn a_referred_call_whose_outcome_never_comes_is_taken_back() {
    let mut control = answered_call(Some(TransferMethod::Refer));
    control.on(secs(5.0), transfer(TransferMode::Blind, None));
    control.on(secs(5.1), Input::Refer(ReferProgress::Status(100)));
    assert_eq!(control.deadline(), Some(secs(45.0)), "the ring time and a grace for the NOTIFY");
    assert!(control.tick(secs(44.9)).is_empty());
    let outputs = control.tick(secs(45.0));
    assert!(matches!(outputs[0], Output::TransferStep(TransferStep::Failed(TransferFailure::NoAnswer, _))));
    assert_eq!(outputs[1], Output::Transfer(TransferOrder::TakeBack(TransferFailure::NoAnswer)));
    assert!(control.transfer().is_none(), "the call is the agent's again");
}

#[test]
fn without_refer_the_target_is_dialled_and_a_busy_one_is_a_failure() {
    let mut control = answered_call(None);
    let outputs = control.on(secs(5.0), transfer(TransferMode::Blind, None));
    assert_eq!(outputs.last(), Some(&dial()));
    let outputs = control.on(secs(6.0), target_ended(EndReason::Busy));
    assert_eq!(outputs[1], Output::Transfer(TransferOrder::TakeBack(TransferFailure::Busy)));
    assert_eq!(control.deadline(), Some(secs(601.0)), "only the call's own limit is timed again");
}

#[test]
fn a_target_that_never_answers_is_dropped_at_the_ring_timeout() {
    let mut control = answered_call(None);
    control.on(secs(5.0), transfer(TransferMode::Blind, None));
    assert_eq!(control.deadline(), Some(secs(35.0)));
    assert!(control.tick(secs(34.0)).is_empty());
    let outputs = control.tick(secs(35.0));
    assert_eq!(
        outputs[0],
        Output::TransferStep(TransferStep::Failed(
            TransferFailure::NoAnswer,
            "the target did not answer in time".into()
        ))
    );
    assert!(outputs.contains(&Output::Transfer(TransferOrder::DropTarget)), "{outputs:?}");
}

#[test]
fn a_warm_transfer_whispers_then_bridges_after_the_whisper() {
    let mut control = answered_call(Some(TransferMethod::Refer));
    let outputs = control.on(secs(5.0), transfer(TransferMode::Warm, Some("Jo wants to move her booking")));
    assert_eq!(outputs.last(), Some(&dial()), "a warm transfer never goes by REFER");
    let outputs = control.on(secs(8.0), target(TargetSignal::Answered));
    assert_eq!(outputs[1], Output::Transfer(TransferOrder::Whisper("Jo wants to move her booking".into())));
    control.on(secs(8.5), Input::WhisperReady(secs(2.0)));
    assert_eq!(control.deadline(), Some(secs(10.9)));
    assert!(control.tick(secs(10.8)).is_empty());
    assert_eq!(control.tick(secs(10.9))[1], Output::Transfer(TransferOrder::Bridge));
    // The target hangs up: the call is over, transferred.
    let outputs = control.on(secs(70.0), target_ended(EndReason::CallerHangup));
    assert!(matches!(outputs.last(), Some(Output::Finish { reason: EndReason::Transferred, .. })), "{outputs:?}");
    assert!(outputs.contains(&Output::Control(CarrierControl::Hangup)));
}

#[test]
fn ending_the_call_mid_transfer_drops_the_target_and_one_transfer_runs_at_a_time() {
    let mut control = answered_call(None);
    control.on(secs(5.0), transfer(TransferMode::Blind, None));
    assert!(control.on(secs(5.5), transfer(TransferMode::Blind, None)).is_empty());
    let outputs = control.on(secs(6.0), Input::Command(CallCommand::End));
    assert_eq!(outputs[0], Output::Transfer(TransferOrder::DropTarget));
    assert!(matches!(outputs.last(), Some(Output::Finish { reason: EndReason::EndedByApi, .. })));
}

#[test]
fn an_unanswered_call_is_not_transferred() {
    let limits = Limits { ring_timeout_secs: 30, max_duration_secs: 600, time_scale: 1.0, live: true, refer: None };
    let mut control = CallControl::new(limits);
    assert!(control.on(secs(1.0), transfer(TransferMode::Blind, None)).is_empty());
}
