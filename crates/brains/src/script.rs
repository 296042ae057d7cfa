//! The script brain: keyword branches, a fallback and a goodbye. Deterministic, no network; the sandbox and the
//! demo use it.

use crate::{Action, Brain, BrainEvent, BrainStream, Message, Role};
use agentline_domain::brain::ScriptBranch;

/// Said when no branch matches and the script has no fallback of its own.
pub const DEFAULT_FALLBACK: &str = "Sorry, I didn't catch that. Could you say it again?";
/// Said after the last caller turn when the script has no goodbye of its own.
pub const DEFAULT_GOODBYE: &str = "Thank you for your time. Goodbye.";

/// Replies by matching the caller's last words against keyword branches.
#[derive(Clone, Debug)]
pub struct ScriptBrain {
    branches: Vec<Branch>,
    fallback: String,
    goodbye: String,
    max_turns: u32,
}

/// A branch with its keywords already split into normalised words.
#[derive(Clone, Debug)]
struct Branch {
    keywords: Vec<Vec<String>>,
    reply: String,
    end_call: bool,
}

impl ScriptBrain {
    pub fn new(branches: &[ScriptBranch], fallback: Option<&str>, goodbye: Option<&str>, max_turns: u32) -> Self {
        let branches = branches
            .iter()
            .map(|b| Branch {
                keywords: b.keywords.iter().map(|k| words(k)).filter(|k| !k.is_empty()).collect(),
                reply: b.reply.clone(),
                end_call: b.end_call,
            })
            .collect();
        Self {
            branches,
            fallback: fallback.unwrap_or(DEFAULT_FALLBACK).to_owned(),
            goodbye: goodbye.unwrap_or(DEFAULT_GOODBYE).to_owned(),
            max_turns,
        }
    }

    /// The reply to a transcript, all at once.
    pub fn events(&self, transcript: &[Message]) -> Vec<BrainEvent> {
        let mut callers = transcript.iter().filter(|m| m.role == Role::Caller);
        let turns = callers.clone().count();
        let Some(last) = callers.next_back() else {
            return Vec::new();
        };
        let last_turn = turns >= self.max_turns as usize;
        let said = words(&last.text);
        let mut events = Vec::new();
        match self.branches.iter().find(|b| b.keywords.iter().any(|k| contains_sequence(&said, k))) {
            Some(branch) => {
                events.push(BrainEvent::Say(branch.reply.clone()));
                if branch.end_call {
                    events.push(BrainEvent::Act(Action::EndCall));
                    return events;
                }
            }
            None if !last_turn => events.push(BrainEvent::Say(self.fallback.clone())),
            None => {}
        }
        if last_turn {
            events.push(BrainEvent::Say(self.goodbye.clone()));
            events.push(BrainEvent::Act(Action::EndCall));
        }
        events
    }
}

impl Brain for ScriptBrain {
    fn reply(&mut self, transcript: &[Message]) -> BrainStream {
        Box::pin(futures_util::stream::iter(self.events(transcript)))
    }

    fn fixed_phrases(&self) -> Vec<String> {
        let replies = self.branches.iter().map(|branch| branch.reply.clone());
        replies.chain([self.fallback.clone(), self.goodbye.clone()]).collect()
    }
}

/// Lowercase words with punctuation removed; apostrophes vanish so `don't` and `dont` are one word.
fn words(text: &str) -> Vec<String> {
    text.chars()
        .filter(|c| !matches!(c, '\'' | '’'))
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .to_lowercase()
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

fn contains_sequence(haystack: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt as _;

    fn branch(keywords: &[&str], reply: &str, end_call: bool) -> ScriptBranch {
        ScriptBranch { keywords: keywords.iter().map(|k| k.to_string()).collect(), reply: reply.into(), end_call }
    }

    fn brain(max_turns: u32) -> ScriptBrain {
        let branches = [
            branch(&["yes", "sure"], "Great, you're booked.", false),
            branch(&["not interested", "don't call"], "Understood. Goodbye.", true),
            branch(&["price", "how much"], "It costs ten dollars.", false),
        ];
        ScriptBrain::new(&branches, None, None, max_turns)
    }

    fn say(text: &str) -> BrainEvent {
        BrainEvent::Say(text.into())
    }

    fn reply_to(brain: &ScriptBrain, lines: &[&str]) -> Vec<BrainEvent> {
        let transcript: Vec<Message> =
            lines.iter().flat_map(|l| [Message::agent("Hello?"), Message::caller(*l)]).collect();
        brain.events(&transcript)
    }

    #[test]
    fn first_matching_branch_wins() {
        let b = brain(6);
        assert_eq!(reply_to(&b, &["Yes please"]), [say("Great, you're booked.")]);
        assert_eq!(reply_to(&b, &["sure, how much is it?"]), [say("Great, you're booked.")]);
        assert_eq!(reply_to(&b, &["How much?"]), [say("It costs ten dollars.")]);
    }

    #[test]
    fn every_reply_it_can_say_is_a_fixed_phrase() {
        let phrases = brain(6).fixed_phrases();
        assert_eq!(
            phrases,
            [
                "Great, you're booked.",
                "Understood. Goodbye.",
                "It costs ten dollars.",
                DEFAULT_FALLBACK,
                DEFAULT_GOODBYE
            ]
        );
    }

    #[test]
    fn keywords_match_whole_words_only() {
        let b = brain(6);
        assert_eq!(reply_to(&b, &["yesterday was fine"]), [say(DEFAULT_FALLBACK)]);
        assert_eq!(reply_to(&b, &["the prices"]), [say(DEFAULT_FALLBACK)]);
    }

    #[test]
    fn multi_word_keywords_match_as_a_sequence_ignoring_case_and_punctuation() {
        let b = brain(6);
        let end = [say("Understood. Goodbye."), BrainEvent::Act(Action::EndCall)];
        assert_eq!(reply_to(&b, &["I'm NOT... interested!"]), end);
        assert_eq!(reply_to(&b, &["Please, dont call again"]), end);
        assert_eq!(reply_to(&b, &["Please don’t call."]), end);
        assert_eq!(reply_to(&b, &["interested? not really"]), [say(DEFAULT_FALLBACK)]);
        assert_eq!(reply_to(&b, &["how is it? much better"]), [say(DEFAULT_FALLBACK)]);
    }

    #[test]
    fn empty_or_unmatched_speech_gets_the_fallback() {
        let b = brain(6);
        assert_eq!(reply_to(&b, &[""]), [say(DEFAULT_FALLBACK)]);
        assert_eq!(reply_to(&b, &["?!"]), [say(DEFAULT_FALLBACK)]);
        let custom = ScriptBrain::new(&[], Some("Come again?"), None, 6);
        assert_eq!(reply_to(&custom, &["anything"]), [say("Come again?")]);
    }

    #[test]
    fn only_the_last_caller_turn_counts() {
        let b = brain(6);
        assert_eq!(reply_to(&b, &["yes", "hmm"]), [say(DEFAULT_FALLBACK)]);
        let transcript = [Message::caller("price"), Message::agent("It costs ten dollars.")];
        assert_eq!(b.events(&transcript), [say("It costs ten dollars.")]);
        assert!(b.events(&[Message::agent("Hello!")]).is_empty(), "nothing to answer yet");
    }

    #[test]
    fn the_last_turn_says_goodbye_and_hangs_up() {
        let b = brain(2);
        assert_eq!(reply_to(&b, &["hmm"]), [say(DEFAULT_FALLBACK)]);
        let bye = [say(DEFAULT_GOODBYE), BrainEvent::Act(Action::EndCall)];
        assert_eq!(reply_to(&b, &["hmm", "what"]), bye);
        assert_eq!(reply_to(&b, &["hmm", "what", "again"]), bye);
        assert_eq!(reply_to(&b, &["hmm", "yes"]), [say("Great, you're booked."), bye[0].clone(), bye[1].clone()]);
        assert_eq!(
            reply_to(&b, &["hmm", "not interested"]),
            [say("Understood. Goodbye."), BrainEvent::Act(Action::EndCall)]
        );
        let custom = ScriptBrain::new(&[], None, Some("Bye now."), 1);
        assert_eq!(reply_to(&custom, &["hi"]), [say("Bye now."), BrainEvent::Act(Action::EndCall)]);
    }

    #[tokio::test]
    async fn reply_streams_the_same_events() {
        let mut b = brain(6);
        let events: Vec<_> = b.reply(&[Message::caller("yes")]).collect().await;
        assert_eq!(events, [say("Great, you're booked.")]);
    }
}
