//! Scripted timelines: each test feeds the machine what happens, second by second, and checks
//! what it orders.

use super::*;

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn limits() -> Limits {
    Limits { ring_timeout_secs: 30, max_duration_secs: 600, time_scale: 1.0, live: true, refer: None }
}

fn max_duration(secs: i64) -> TalkLimit {
    TalkLimit { secs, reason: EndReason::MaxDuration }
}

fn answered(control: &mut CallControl, at: f64, limit: TalkLimit) -> Vec<Output> {
    control.on(secs(at), Input::Answered { media: true, talk_limit: limit })
}

fn finish(reason: EndReason, detail: &str) -> Output {
    Output::Finish { reason, detail: detail.to_owned() }
}

#[test]
fn an_answered_call_steps_through_ringing_answered_connected_and_starts_talking() {
    let mut control = CallControl::new(limits());
    assert_eq!(control.on(secs(1.0), Input::Ringing), vec![Output::Step(CallEvent::Ringing)]);
    assert_eq!(
        answered(&mut control, 4.0, max_duration(600)),
        vec![Output::Step(CallEvent::Answered), Output::Step(CallEvent::Connected), Output::StartConversation]
    );
    assert!(control.answered());
}

#[test]
fn an_answer_without_audio_starts_no_conversation() {
    let mut control = CallControl::new(limits());
    let outputs = control.on(secs(2.0), Input::Answered { media: false, talk_limit: max_duration(600) });
    assert!(!outputs.contains(&Output::StartConversation), "{outputs:?}");
}

#[test]
fn no_answer_within_the_ring_timeout_cancels() {
    let mut control = CallControl::new(limits());
    control.on(secs(1.0), Input::Ringing);
    assert_eq!(control.deadline(), Some(secs(30.0)));
    assert!(control.tick(secs(29.9)).is_empty());
    assert_eq!(
        control.tick(secs(30.0)),
        vec![Output::Control(CarrierControl::Cancel), finish(EndReason::NoAnswer, "no answer within 30 s; canceled")]
    );
    assert_eq!(control.deadline(), None, "nothing is timed after the end");
    assert!(control.tick(secs(31.0)).is_empty());
}

#[test]
fn the_ring_timeout_does_not_apply_once_answered() {
    let mut control = CallControl::new(limits());
    answered(&mut control, 20.0, max_duration(600));
    assert!(control.tick(secs(31.0)).is_empty());
    assert_eq!(control.deadline(), Some(secs(620.0)), "max_duration counts from the answer");
}

#[test]
fn max_duration_hangs_up() {
    let mut control = CallControl::new(limits());
    answered(&mut control, 5.0, max_duration(60));
    assert!(control.tick(secs(64.9)).is_empty());
    assert_eq!(
        control.tick(secs(65.0)),
        vec![Output::Control(CarrierControl::Hangup), finish(EndReason::MaxDuration, "reached max_duration of 600 s")]
    );
}

#[test]
fn a_wallet_that_cannot_pay_shortens_the_call() {
    let mut control = CallControl::new(limits());
    answered(&mut control, 0.0, TalkLimit { secs: 59, reason: EndReason::InsufficientFunds });
    assert_eq!(
        control.tick(secs(59.0)),
        vec![Output::Control(CarrierControl::Hangup), finish(EndReason::InsufficientFunds, "the wallet ran out")]
    );
}

#[test]
fn a_wallet_spent_by_other_calls_ends_an_answered_call_only() {
    let mut control = CallControl::new(limits());
    assert!(!control.watches_wallet(), "a ringing call spends nothing");
    assert!(control.on(secs(1.0), Input::WalletExhausted).is_empty());
    answered(&mut control, 2.0, max_duration(600));
    assert!(control.watches_wallet());
    assert_eq!(
        control.on(secs(10.0), Input::WalletExhausted),
        vec![Output::Control(CarrierControl::Hangup), finish(EndReason::InsufficientFunds, "the wallet ran out")]
    );
    assert!(!control.watches_wallet());
}

#[test]
fn test_calls_never_watch_the_wallet() {
    let mut control = CallControl::new(Limits { live: false, ..limits() });
    answered(&mut control, 1.0, max_duration(600));
    assert!(!control.watches_wallet());
}

#[test]
fn ending_through_the_api_cancels_before_the_answer_and_hangs_up_after() {
    let mut ringing = CallControl::new(limits());
    ringing.on(secs(1.0), Input::Ringing);
    assert_eq!(
        ringing.on(secs(2.0), Input::Command(CallCommand::End)),
        vec![Output::Control(CarrierControl::Cancel), finish(EndReason::Canceled, "ended through the API")]
    );
    let mut talking = CallControl::new(limits());
    answered(&mut talking, 1.0, max_duration(600));
    assert_eq!(
        talking.on(secs(9.0), Input::Command(CallCommand::End)),
        vec![Output::Control(CarrierControl::Hangup), finish(EndReason::EndedByApi, "ended through the API")]
    );
}

#[test]
fn the_conversation_hangs_up_with_its_own_reason() {
    let mut control = CallControl::new(limits());
    answered(&mut control, 1.0, max_duration(600));
    let order = CallCommand::Hangup(EndReason::SilenceTimeout, "the caller stayed silent".to_owned());
    assert_eq!(
        control.on(secs(40.0), Input::Command(order)),
        vec![Output::Control(CarrierControl::Hangup), finish(EndReason::SilenceTimeout, "the caller stayed silent")]
    );
}

#[test]
fn shutdown_ends_with_server_restart() {
    let mut control = CallControl::new(limits());
    answered(&mut control, 1.0, max_duration(600));
    let outputs = control.on(secs(3.0), Input::Command(CallCommand::Shutdown));
    assert_eq!(outputs.last(), Some(&finish(EndReason::ServerRestart, "the server shut down")));
}

#[test]
fn dtmf_is_recorded_both_ways_and_sent_down() {
    let mut control = CallControl::new(limits());
    answered(&mut control, 1.0, max_duration(600));
    assert_eq!(
        control.on(secs(2.0), Input::Dtmf('5')),
        vec![Output::Record("call.dtmf", json!({ "digit": "5", "direction": "received" }))]
    );
    assert_eq!(
        control.on(secs(3.0), Input::Command(CallCommand::SendDtmf("12#".to_owned()))),
        vec![
            Output::Record("call.dtmf", json!({ "digits": "12#", "direction": "sent" })),
            Output::Control(CarrierControl::SendDtmf("12#".to_owned())),
        ]
    );
}

#[test]
fn the_network_ending_the_call_needs_no_order_down() {
    let mut control = CallControl::new(limits());
    answered(&mut control, 1.0, max_duration(600));
    let bye = Input::LegEnded { reason: EndReason::CallerHangup, detail: "BYE".to_owned() };
    assert_eq!(control.on(secs(12.0), bye), vec![finish(EndReason::CallerHangup, "BYE")]);
    let mut silent = CallControl::new(limits());
    assert_eq!(
        silent.on(secs(1.0), Input::LegGone),
        vec![finish(EndReason::CarrierError, "the carrier stopped reporting on the call")]
    );
}

#[test]
fn a_refused_step_means_the_call_ended_elsewhere() {
    let mut control = CallControl::new(limits());
    control.on(secs(1.0), Input::Ringing);
    assert_eq!(
        control.on(secs(1.0), Input::StepRefused),
        vec![Output::Control(CarrierControl::Cancel), finish(EndReason::CarrierError, "the call was ended elsewhere")]
    );
}

#[test]
fn nothing_happens_after_the_end() {
    let mut control = CallControl::new(limits());
    control.on(secs(1.0), Input::Command(CallCommand::End));
    assert!(control.on(secs(2.0), Input::Ringing).is_empty());
    assert!(answered(&mut control, 3.0, max_duration(600)).is_empty());
    assert!(control.on(secs(4.0), Input::Command(CallCommand::Shutdown)).is_empty());
}

#[test]
fn a_second_answer_changes_nothing() {
    let mut control = CallControl::new(limits());
    answered(&mut control, 1.0, max_duration(600));
    assert!(answered(&mut control, 5.0, max_duration(10)).is_empty());
    assert_eq!(control.deadline(), Some(secs(601.0)));
}

#[test]
fn sandbox_timers_run_at_its_speed() {
    let mut control = CallControl::new(Limits { time_scale: 10.0, ..limits() });
    assert_eq!(control.deadline(), Some(secs(3.0)), "30 s of ringing at 10x");
    answered(&mut control, 1.0, max_duration(600));
    assert_eq!(control.deadline(), Some(secs(61.0)));
}
