//! The stored layout: upgrades, settings, titles and the export format.

use converse_shared::{Message, Role};

use super::*;

const V1: &str = r#"{"schemaVersion":1,"id":"c-1","title":"Hello","modelId":"m","createdAt":1.0,"updatedAt":2.0,
    "messages":[{"id":1,"message":{"role":"user","content":[{"text":"Hello there"}]},"status":"complete"},
                {"id":2,"message":{"role":"assistant","content":[{"text":"Hi"}]},"status":"streaming",
                 "usage":{"inputTokens":3,"outputTokens":1,"totalTokens":4}}],
    "toolSettings":{"calculator":{"enabled":false,"ask":true}},"toolChoice":"any"}"#;

#[test]
fn schema_1_conversations_upgrade_with_everything_they_had() {
    let upgraded = upgrade_v1(V1).unwrap();
    assert_eq!(upgraded.meta.schema_version, SCHEMA_VERSION);
    assert_eq!(upgraded.meta.title, "Hello");
    assert!(!upgraded.meta.title_edited);
    assert_eq!(upgraded.meta.tool_choice.as_deref(), Some("any"));
    assert_eq!(upgraded.meta.tool_settings["calculator"], ToolSetting { enabled: false, ask: true });
    assert_eq!(upgraded.messages.len(), 2);
    assert_eq!(upgraded.messages[1].status, MessageStatus::Streaming);
    assert_eq!(upgraded.messages[1].usage.as_ref().map(|u| u.total_tokens), Some(4));
    // What is written back reads as the current layout.
    let meta: ConversationMeta =
        serde_json::from_slice(serde_json::to_string(&upgraded.meta).unwrap().as_bytes()).unwrap();
    assert_eq!(meta, upgraded.meta);
}

#[test]
fn settings_default_when_absent_and_check_their_json() {
    let upgraded = upgrade_v1(V1).unwrap();
    assert_eq!(upgraded.meta.settings, Settings::default());
    let mut settings = Settings { additional_fields: "{\"top_k\": 5}".into(), ..Settings::default() };
    assert_eq!(settings.additional_fields().unwrap(), Some(serde_json::json!({"top_k": 5})));
    settings.additional_fields = "[1]".into();
    assert!(settings.additional_fields().unwrap_err().contains("JSON object"));
    settings.additional_fields = "{top_k: 5}".into();
    assert!(settings.additional_fields().unwrap_err().contains("not valid JSON"));
}

#[test]
fn an_export_reads_back_and_a_bad_file_names_its_problem() {
    let conversation = upgrade_v1(V1).unwrap();
    let file = serde_json::to_string(&ExportFile::new(vec![conversation.clone()])).unwrap();
    assert_eq!(parse_import(&file).unwrap(), vec![conversation.clone()]);
    assert!(parse_import("{").unwrap_err().starts_with("this is not a conversations file"));
    assert!(parse_import(&file.replace(EXPORT_FORMAT, "other")).unwrap_err().contains("not \"converse-edge"));
    let mut twice = conversation.clone();
    twice.messages[1].id = 1;
    let file = serde_json::to_string(&ExportFile::new(vec![conversation, twice])).unwrap();
    assert_eq!(parse_import(&file).unwrap_err(), "conversations[1].messages[1]: message id 1 appears twice");
}

#[test]
fn damaged_or_unknown_records_are_refused_not_guessed() {
    assert!(upgrade_v1("{\"schemaVersion\":1,").is_err());
    assert!(upgrade_v1(&V1.replace("\"schemaVersion\":1", "\"schemaVersion\":7")).is_err());
}

#[test]
fn message_keys_sort_by_id_within_their_conversation() {
    let mut keys = vec![message_key("c-1", 10), message_key("c-1", 9), message_key("c-1", 100)];
    keys.sort();
    assert_eq!(keys, [message_key("c-1", 9), message_key("c-1", 10), message_key("c-1", 100)]);
    assert!(message_key("c-1", u64::MAX).as_str() < "c-1/\u{ffff}");
}

#[test]
fn titles_come_from_the_first_thing_the_person_wrote() {
    let message = |role, text: &str| said(1, role, text);
    assert_eq!(derive_title(&[]), "New conversation");
    assert_eq!(derive_title(&[message(Role::User, "  What is\n the  time? ")]), "What is the time?");
    let long = derive_title(&[message(Role::User, &"word ".repeat(30))]);
    assert_eq!(long.chars().count(), 60);
    assert!(long.ends_with('…'));
}

fn said(id: u64, role: Role, text: &str) -> StoredMessage {
    StoredMessage {
        id,
        message: Message {
            role,
            content: vec![converse_shared::ContentBlock::Text(text.into())],
            extra: Default::default(),
        },
        status: MessageStatus::Complete,
        error: None,
        usage: None,
        stop_reason: None,
        timing: None,
        service_tier: None,
        at: None,
        versions: Versions::default(),
    }
}

fn texts(tail: &[StoredMessage]) -> Vec<String> {
    tail.iter().map(|m| m.message.joined_text()).collect()
}

#[test]
fn every_version_is_kept_in_order_and_any_can_be_shown_again() {
    // Three replies to one prompt: the first two superseded in turn.
    let mut second = said(2, Role::Assistant, "second");
    second.versions = Versions::superseded(vec![said(2, Role::Assistant, "first")]);
    let mut third = said(2, Role::Assistant, "third");
    third.versions = Versions::superseded(vec![second]);
    assert_eq!((third.versions.shown, third.versions.count()), (2, 3));

    // Back to the first: the third joins the others, where it stands.
    let first = Versions::switch(vec![third], 0).unwrap();
    assert_eq!(texts(&first), ["first"]);
    assert_eq!(first[0].versions.shown, 0);
    let others: Vec<Vec<String>> = first[0].versions.others.iter().map(|t| texts(t)).collect();
    assert_eq!(others, [vec!["second"], vec!["third"]]);
    // The one shown is no switch; nor is one that does not exist.
    assert!(Versions::switch(first.clone(), 0).is_none());
    assert!(Versions::switch(first.clone(), 3).is_none());
    let back = Versions::switch(first, 2).unwrap();
    assert_eq!((texts(&back), back[0].versions.shown), (vec!["third".to_owned()], 2));

    // A new version made while an older one is shown comes last, the others in their order.
    let shown_second = Versions::switch(back, 1).unwrap();
    let fourth = Versions::superseded(shown_second);
    let all: Vec<Vec<String>> = fourth.others.iter().map(|t| texts(t)).collect();
    assert_eq!(all, [vec!["first"], vec!["second"], vec!["third"]]);
    assert_eq!(fourth.shown, 3);
}

#[test]
fn an_edited_message_keeps_what_followed_it_and_round_trips_through_storage() {
    let tail = vec![said(3, Role::User, "original"), said(4, Role::Assistant, "reply to original")];
    let mut edited = said(3, Role::User, "edited");
    edited.versions = Versions::superseded(tail);
    let json = serde_json::to_string(&edited).unwrap();
    let read: StoredMessage = serde_json::from_slice(json.as_bytes()).unwrap();
    assert_eq!(read, edited);
    let original = Versions::switch(vec![read, said(4, Role::Assistant, "reply to edited")], 0).unwrap();
    assert_eq!(texts(&original), ["original", "reply to original"]);
    assert_eq!(texts(&original[0].versions.others[0]), ["edited", "reply to edited"]);
    // A message without versions is stored as before.
    assert!(!serde_json::to_string(&said(1, Role::User, "x")).unwrap().contains("versions"));
}

#[test]
fn a_title_the_model_wrote_is_shown_bare() {
    assert_eq!(clean_title("\"Trip to Lisbon.\"\n").as_deref(), Some("Trip to Lisbon"));
    assert_eq!(
        clean_title("Title: **Public-key  cryptography**").as_deref(),
        Some("Public-key cryptography")
    );
    assert_eq!(clean_title("\n\n  “Moving the meeting”  \nMore text").as_deref(), Some("Moving the meeting"));
    assert_eq!(clean_title(&"long ".repeat(30)).map(|t| t.chars().count()), Some(60));
    assert_eq!(clean_title(" \"\" \n"), None);
}
