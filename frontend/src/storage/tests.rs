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
    let message = |role, text: &str| StoredMessage {
        id: 1,
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
    };
    assert_eq!(derive_title(&[]), "New conversation");
    assert_eq!(derive_title(&[message(Role::User, "  What is\n the  time? ")]), "What is the time?");
    let long = derive_title(&[message(Role::User, &"word ".repeat(30))]);
    assert_eq!(long.chars().count(), 60);
    assert!(long.ends_with('…'));
}
